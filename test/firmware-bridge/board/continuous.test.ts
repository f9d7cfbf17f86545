// A board left running: arrivals read from a stream as the board raises them (Scenario.stream:
// periodic streams that go on for as long as the run), with the board's per-task state bounded.
import { afterEach, describe, expect, it } from "vitest";
import type { BoardArrival, VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { rig, tinyScenario } from "./harness.js";

let board: VirtualBoard | undefined;
afterEach(() => {
  board?.stop();
  board = undefined;
});

/** A periodic stream of the synthetic "small" model (6 µs on the array): one task every `periodNs`, `count` of them, generated on demand. */
function* periodic(template: BoardArrival, periodNs: number, count: number, pulled: { n: number }): Generator<BoardArrival> {
  for (let k = 0; k < count; k++) {
    pulled.n++;
    yield { ...template, id: k + 1, frame: k, arrivalNs: k * periodNs, deadlineNs: (k + 1) * periodNs };
  }
}

describe("virtual board, continuous workload", () => {
  it("raises every arrival of a stream as it reads it, and forgets tasks long ended", async () => {
    const tiny = tinyScenario([{ id: 1, model: "small" }]);
    const template = [...tiny.arrivals][0]!;
    const count = 1200;
    const pulled = { n: 0 };
    const r = rig({ scenario: { models: tiny.models, arrivals: periodic(template, 4e6, count, pulled) }, forgetAfterNs: 200e6 });
    board = r.board;
    // a trivial host: every task on the whole array, in arrival order
    r.host.ep.on("message", (m) => {
      if (m.type === "arrival") r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
    });
    let mostTracked = 0;
    let mostReadAhead = 0;
    board.on("arrival", (a) => {
      mostTracked = Math.max(mostTracked, board!.stats.tasksTracked);
      mostReadAhead = Math.max(mostReadAhead, pulled.n - a.taskId);
    });
    expect(pulled.n).toBe(1); // nothing generated before it is due but the next one
    board.start();
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, tasksRaised: count, tasksDone: count });
    expect(r.host.messages("arrival").map((a) => a.taskId)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // never more than the next one read ahead (it is read once the current one went out)
    expect(mostReadAhead).toBeLessThanOrEqual(1);
    // 4.8 s of tasks, one per 4 ms; the board holds those of about forgetAfterNs (200 ms: 50 tasks),
    // swept every 256 arrivals, and the few still open
    expect(mostTracked).toBeLessThan(50 + 256 + 100);
  }, 30_000);
});
