// The external arrivals feed's size bound and rate limit (link/external-arrival.ts), shared by the host
// and the board.
import { describe, expect, it } from "vitest";
import { ArrivalRateLimit, MAX_EXTERNAL_ARRIVAL_BYTES, parseExternalArrival } from "../../../firmware-bridge/link/external-arrival.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("the external arrivals feed", () => {
  it("refuses a message over the size bound without reading it, and takes a padded one under it", () => {
    const task = '{"id": 7, "model": "ES_RITNet"}';
    const big = bytes(task + " ".repeat(MAX_EXTERNAL_ARRIVAL_BYTES));
    const r = parseExternalArrival(big);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/longer than 1024 bytes/);
    expect(parseExternalArrival(bytes(task + " ".repeat(MAX_EXTERNAL_ARRIVAL_BYTES - task.length))).ok).toBe(true);
  });

  it("admits a burst, then the sustained rate, and refills after a quiet spell", () => {
    const limit = new ArrivalRateLimit({ perSecond: 100, burst: 5 });
    const at = (ms: number, n: number) => Array.from({ length: n }, () => limit.admit(ms)).filter(Boolean).length;
    expect(at(0, 10)).toBe(5); // the burst
    expect(at(5, 10)).toBe(0); // 0.5 of a token came back
    expect(at(20, 10)).toBe(2); // 0.5 left at 5 ms + 1.5 more by 20 ms
    expect(at(1000, 100)).toBe(5); // a long quiet spell refills to the burst, no more
  });

  it("rejects nonsense settings", () => {
    expect(() => new ArrivalRateLimit({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new ArrivalRateLimit({ burst: 0.5 })).toThrow(RangeError);
  });
});
