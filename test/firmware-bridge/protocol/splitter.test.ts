import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  FrameSplitter,
  MAX_COBS_FRAME,
  MAX_PAYLOAD,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeMessage,
  frameBytes,
  toWire,
  type Message,
} from "../../../firmware-bridge/protocol/index.js";
import { message, seq } from "./arbitraries.js";

/** Cuts `stream` at the given positions (any order, duplicates allowed). */
function chunked(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, stream.length]) {
    out.push(stream.subarray(from, c));
    from = c;
  }
  return out;
}

describe("FrameSplitter", () => {
  it("recovers every frame, in order, whatever the chunking and the garbage between frames", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ m: message, seq, garbage: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }) }), {
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, cuts) => {
          const parts: number[] = [];
          for (const { m, seq: s, garbage } of items) {
            // Garbage (line noise, a board's boot banner) ends at a 0x00, as a sender flushes before a frame.
            if (garbage) parts.push(...garbage, 0);
            parts.push(...toWire(encodeMessage(m, s)));
          }
          const sp = new FrameSplitter();
          const got: Array<{ seq: number; message: Message }> = [];
          for (const chunk of chunked(Uint8Array.from(parts), cuts)) {
            for (const raw of sp.push(chunk)) {
              const r = decodeFrame(raw);
              if (r.ok) got.push({ seq: r.seq, message: r.message });
            }
          }
          expect(got).toEqual(items.map(({ m, seq: s }) => ({ seq: s, message: m })));
          expect(sp.stats.frames + sp.stats.malformed).toBeGreaterThanOrEqual(items.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("hands out frames byte by byte exactly as in one chunk", () => {
    const wire = Uint8Array.from([
      ...toWire(encodeMessage({ type: "preempt", epoch: 1, taskId: 2 }, 3)),
      ...toWire(encodeMessage({ type: "hello_request" }, 4)),
    ]);
    const sp = new FrameSplitter();
    const frames = Array.from(wire).flatMap((b) => sp.push(Uint8Array.of(b)));
    expect(frames.map((f) => decodeFrame(f))).toMatchObject([
      { ok: true, seq: 3, message: { type: "preempt", epoch: 1, taskId: 2 } },
      { ok: true, seq: 4, message: { type: "hello_request" } },
    ]);
    expect(sp.stats).toEqual({ frames: 2, overlong: 0, malformed: 0 });
  });

  it("drops an over-long frame, counts it, and resynchronises at the next delimiter", () => {
    const sp = new FrameSplitter();
    const longRun = new Uint8Array(MAX_COBS_FRAME + 1).fill(0x41);
    const next = toWire(encodeMessage({ type: "ack", ackedSeq: 7, epoch: 9 }, 8));
    const frames = [...sp.push(longRun), ...sp.push(Uint8Array.of(0)), ...sp.push(next)];
    expect(sp.stats.overlong).toBe(1);
    expect(frames).toHaveLength(1);
    expect(decodeFrame(frames[0]!)).toMatchObject({ ok: true, message: { type: "ack", ackedSeq: 7, epoch: 9 } });
  });

  it("accepts the largest legal frame exactly at the limit", () => {
    const raw = frameBytes(PROTOCOL_VERSION, 0x42, 1, new Uint8Array(MAX_PAYLOAD).fill(0x41));
    const wire = toWire(raw);
    expect(wire.length - 1).toBe(MAX_COBS_FRAME);
    const sp = new FrameSplitter();
    expect(sp.push(wire)).toEqual([raw]);
    expect(sp.stats.overlong).toBe(0);
  });

  it("counts malformed COBS, ignores empty frames, and forgets a partial frame on reset", () => {
    const sp = new FrameSplitter();
    expect(sp.push(Uint8Array.of(0, 0, 0x05, 0x11, 0x22, 0, 0))).toEqual([]);
    expect(sp.stats).toEqual({ frames: 0, overlong: 0, malformed: 1 });
    sp.push(Uint8Array.of(0x09, 0x01, 0x02));
    sp.reset();
    const ok = sp.push(toWire(encodeMessage({ type: "preempt", epoch: 5, taskId: 6 }, 7)));
    expect(ok.map((f) => decodeFrame(f))).toMatchObject([{ ok: true, message: { type: "preempt", epoch: 5, taskId: 6 } }]);
  });
});
