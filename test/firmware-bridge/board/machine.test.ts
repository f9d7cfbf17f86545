// The board's tile-spatial execution model (firmware-bridge/board/machine.ts): what a PREEMPT
// does to the events of a running pipeline.
import { describe, expect, it } from "vitest";
import { type BoardEvent, SpatialMachine } from "../../../firmware-bridge/board/machine.js";
import { MODELS, profile } from "../../support/synthetic.js";

/** Pops every event due by `until`, in order. */
function drain(m: SpatialMachine, until: number): BoardEvent[] {
  const out: BoardEvent[] = [];
  while (m.nextTime() !== Number.POSITIVE_INFINITY && m.nextTime() <= until) out.push(m.pop()!);
  return out;
}

describe("SpatialMachine pre-emption", () => {
  it("reports each stage once: a PREEMPT keeps the stage events still to come before its stop, not those already reported", () => {
    const m = new SpatialMachine(64);
    const p = profile(MODELS[1]!); // medium, 4-stage pipeline: stages end at 13/16 .. 16/16 of it
    m.admit(1, p);
    m.apply({ kind: "place", epoch: 1, taskId: 1, stages: 4, tiles: [0, 1, 2, 3] }, 0);
    const pipe = p.pipelines.get(4)!;
    const first = pipe.stageDoneNs[0]!;
    const before = drain(m, first);
    expect(before.map((e) => (e.kind === "stage" ? e.stage : "done"))).toEqual([0]);
    // pre-empted just after stage 0 finished: it stops at the next beat, after stage 1
    const now = first + 1;
    m.apply({ kind: "preempt", epoch: 2, taskId: 1 }, now);
    const after = drain(m, Number.POSITIVE_INFINITY);
    expect(after.map((e) => (e.kind === "stage" ? e.stage : "done"))).toEqual([1]);
    expect(after[0]!.time).toBeGreaterThan(now);
  });
});
