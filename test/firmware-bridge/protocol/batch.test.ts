// packDecision: a decision's commands as few frames as fit (protocol 2's BATCH), in order.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  MAX_BATCH,
  MAX_PAYLOAD,
  MAX_STAGES,
  type CommandMessage,
  decodeFrame,
  encodeMessage,
  packDecision,
} from "../../../firmware-bridge/protocol/index.js";

const place = (taskId: number, stages: number): CommandMessage => ({
  type: "schedule",
  epoch: 3,
  taskId,
  tiles: Array.from({ length: stages }, (_, i) => i),
});
const preempt = (taskId: number): CommandMessage => ({ type: "preempt", epoch: 3, taskId });
const flat = (frames: ReturnType<typeof packDecision>) => frames.flatMap((f) => (f.type === "batch" ? f.commands : [f]));

describe("packDecision", () => {
  it("sends a lone command as itself and several as one BATCH", () => {
    expect(packDecision([])).toEqual([]);
    expect(packDecision([preempt(1)])).toEqual([preempt(1)]);
    expect(packDecision([preempt(1), place(2, 4)])).toEqual([{ type: "batch", commands: [preempt(1), place(2, 4)] }]);
  });

  it("cuts a decision over MAX_PAYLOAD or MAX_BATCH into several frames, in order", () => {
    const four = [1, 2, 3, 4].map((t) => place(t, MAX_STAGES)); // 3 x 138 + 1 fit in 512, a 4th does not
    expect(packDecision(four).map((f) => (f.type === "batch" ? f.commands.length : 1))).toEqual([3, 1]);
    const many = Array.from({ length: MAX_BATCH + 4 }, (_, i) => preempt(i));
    expect(packDecision(many).map((f) => (f.type === "batch" ? f.commands.length : 1))).toEqual([MAX_BATCH, 4]);
  });

  it("keeps every command once, in order, and every frame encodes within MAX_PAYLOAD", () => {
    const command = fc.oneof(
      fc.nat({ max: 1000 }).map(preempt),
      fc.tuple(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: MAX_STAGES })).map(([t, n]) => place(t, n)),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), (cmds) => {
        const frames = packDecision(cmds);
        expect(flat(frames)).toEqual(cmds);
        for (const f of frames) {
          const raw = encodeMessage(f, 1);
          expect(raw.length - 8).toBeLessThanOrEqual(MAX_PAYLOAD);
          expect(decodeFrame(raw)).toEqual({ ok: true, seq: 1, message: f });
        }
        // as few frames as greedy filling gives: no two neighbours would fit together
        for (let i = 1; i < frames.length; i++) {
          const joined = [...flat([frames[i - 1]!]), ...flat([frames[i]!])];
          const size =
            1 +
            joined.reduce(
              (n, c) => n + 1 + (c.type === "preempt" ? 8 : c.type === "variant" ? 6 : 9 + 2 * (c.type === "drop" ? 0 : c.tiles.length)),
              0,
            );
          expect(size > MAX_PAYLOAD || joined.length > MAX_BATCH).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
