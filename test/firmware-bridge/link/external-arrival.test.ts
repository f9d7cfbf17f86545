// The external arrivals parser (link/external-arrival.ts) under property-based mutation: any bytes,
// any JSON, and valid messages with random edits. It must answer every input with a task or a
// reason, never throw, and refuse a message longer than MAX_EXTERNAL_ARRIVAL_BYTES unread.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_EXTERNAL_ARRIVAL_BYTES, parseExternalArrival } from "../../../firmware-bridge/link/external-arrival.js";
import { mutated } from "../../support/mutate.js";

const enc = (s: string) => new TextEncoder().encode(s);

function wellFormed(r: ReturnType<typeof parseExternalArrival>): void {
  if (r.ok) {
    const a = r.arrival;
    expect(Number.isInteger(a.id) && a.id >= 0 && a.id <= 0xffffffff).toBe(true);
    expect(typeof a.model).toBe("string");
    expect([undefined, 1, 3, 9]).toContain(a.priority);
    if (a.deadlineMs !== undefined) expect(Number.isFinite(a.deadlineMs) && a.deadlineMs >= 0).toBe(true);
  } else {
    expect(r.reason.length).toBeGreaterThan(0);
  }
}

describe("parseExternalArrival", () => {
  it("accepts a valid task and refuses bad fields with a reason", () => {
    expect(parseExternalArrival(enc('{"id": 7, "model": "ES_RITNet", "priority": 9, "deadlineMs": 20}'))).toEqual({
      ok: true,
      arrival: { id: 7, model: "ES_RITNet", priority: 9, deadlineMs: 20 },
    });
    expect(parseExternalArrival(enc('{"id": -1, "model": "x"}'))).toMatchObject({ ok: false, reason: expect.stringMatching(/"id"/) });
    expect(parseExternalArrival(enc('{"id": 1, "model": "x", "priority": 2}'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/priority/),
    });
  });

  it("refuses a message over the size bound without parsing it", () => {
    const big = enc(JSON.stringify({ id: 1, model: "ES_RITNet", pad: "x".repeat(MAX_EXTERNAL_ARRIVAL_BYTES) }));
    expect(parseExternalArrival(big)).toEqual({ ok: false, reason: expect.stringMatching(/longer than 1024 bytes/) });
  });

  it("answers any bytes with a task or a reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => wellFormed(parseExternalArrival(b))),
      { numRuns: 2000 },
    );
  });

  it("answers any JSON value with a task or a reason", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => wellFormed(parseExternalArrival(enc(JSON.stringify(v))))),
      { numRuns: 2000 },
    );
  });

  it("answers mutated valid messages with a task or a reason", () => {
    const base = '{"id": 4000000000, "model": "GE_FBNet_C", "priority": 3, "deadlineMs": 16.5}';
    let accepted = 0;
    fc.assert(
      fc.property(mutated(base, 3), (text) => {
        const r = parseExternalArrival(enc(text));
        if (r.ok) accepted++;
        wellFormed(r);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(0); // the mutations stay close enough to the format to reach the field checks
  });
});
