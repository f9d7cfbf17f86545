// The virtual board executing the host's commands: tile-spatial and layer-temporal runs, PREEMPT
// and RESUME, DROP, duplicates applied once, stale epochs, impossible and unknown commands.
import { afterEach, describe, expect, it } from "vitest";
import { ERROR_CODES, encodeMessage } from "../../../firmware-bridge/protocol/index.js";
import type { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { MODELS, profile } from "../../support/synthetic.js";
import { rig, tinyScenario, waitUntil } from "./harness.js";

let board: VirtualBoard | undefined;
afterEach(() => {
  board?.stop();
  board = undefined;
});

const small = MODELS.find((m) => m.name === "small")!;

describe("virtual board commands", () => {
  it("runs a SCHEDULE with tiles as a pipeline: STAGE_DONE per stage, then TASK_DONE with its energy", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 100 }]), timeScale: 10 });
    board = r.board;
    board.start();
    const a = await r.host.waitFor("arrival");
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: a.taskId, tiles: [0, 1] });
    const done = await r.host.waitFor("task_done");
    const p = profile(small, 100).pipelines.get(2)!;
    const stages = r.host.messages("stage_done");
    expect(stages.map((s) => s.stage)).toEqual([0, 1]);
    expect(stages.map((s) => s.busyNs)).toEqual(p.stageBusyNs.map(Math.round));
    expect(stages[1]!.boardTimeNs - stages[0]!.boardTimeNs).toBe(Math.round(p.stageDoneNs[1]! - p.stageDoneNs[0]!));
    expect(done.boardTimeNs).toBeGreaterThanOrEqual(stages[1]!.boardTimeNs);
    expect(done.energyPJ).toBeCloseTo(p.energyPJ, 6);
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, execution: "spatial", tasksRaised: 1, tasksDone: 1, commandsApplied: 1 });
    expect(summary.energyPJ).toBeCloseTo(p.energyPJ, 6);
  });

  it("runs a SCHEDULE without tiles layer by layer on the whole array (layer-temporal)", async () => {
    const r = rig({
      scenario: tinyScenario([
        { id: 1, model: "small", scale: 100 },
        { id: 2, model: "medium", scale: 100 },
      ]),
      timeScale: 10,
    });
    board = r.board;
    r.host.ep.on("message", (m) => {
      if (m.type === "arrival") r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
    });
    board.start();
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, execution: "temporal", tasksDone: 2 });
    const p1 = profile(small, 100);
    const s1 = r.host.messages("stage_done").filter((s) => s.taskId === 1);
    expect(s1.map((s) => s.stage)).toEqual([0, 1, 2]);
    expect(s1.map((s) => s.busyNs)).toEqual(p1.layerNs);
    expect(
      r.host
        .messages("stage_done")
        .filter((s) => s.taskId === 2)
        .map((s) => s.stage),
    ).toEqual([0, 1, 2, 3]);
    const d1 = r.host.messages("task_done").find((d) => d.taskId === 1)!;
    expect(d1.energyPJ).toBeCloseTo(
      p1.layerEnergyPJ.reduce((a, b) => a + b, 0),
      6,
    );
    // one task on the whole array at a time: task 2's first layer ends after task 1 finished
    const s2first = r.host.messages("stage_done").find((s) => s.taskId === 2)!;
    expect(s2first.boardTimeNs).toBeGreaterThanOrEqual(d1.boardTimeNs);
  });

  it("PREEMPT stops a pipeline at a beat and checkpoints it; RESUME on other tiles finishes it", async () => {
    // 482 ms of board time at x10: ~48 ms of wall time, plenty to pre-empt it early
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 10_000 }]), timeScale: 10 });
    board = r.board;
    board.start();
    const a = await r.host.waitFor("arrival");
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: a.taskId, tiles: [0, 1] });
    r.host.command({ type: "preempt", epoch: r.host.nextEpoch(), taskId: a.taskId });
    // the PREEMPT waits for the SCHEDULE's ACK (one command per task in flight), then its own ACK
    await waitUntil(r.host.ep, "acked", () => (r.host.ep.pending === 0 ? true : undefined), 1000, "both commands ACKed");
    expect(board.stats.commandsApplied).toBe(2);
    const preemptedAt = board.nowNs();
    r.host.command({ type: "resume", epoch: r.host.nextEpoch(), taskId: a.taskId, tiles: [10, 11] });
    const done = await r.host.waitFor("task_done");
    const p = profile(small, 10_000).pipelines.get(2)!;
    // every stage reported once, and the task paid a checkpoint save and a restore
    expect(r.host.messages("stage_done").map((s) => s.stage)).toEqual([0, 1]);
    expect(done.energyPJ).toBeCloseTo(p.energyPJ + 2 * p.checkpointEnergyPJ, 6);
    expect(done.boardTimeNs).toBeGreaterThan(preemptedAt);
    await expect(board.finished).resolves.toMatchObject({ complete: true, tasksDone: 1, commandsApplied: 3 });
  });

  it("DROP ends a task: it never runs, later commands for it are ignored and counted", async () => {
    const r = rig({
      scenario: tinyScenario([
        { id: 1, model: "small" },
        { id: 2, model: "small" },
      ]),
      timeScale: 10,
    });
    board = r.board;
    r.host.ep.on("message", (m) => {
      if (m.type !== "arrival") return;
      if (m.taskId === 1) {
        r.host.command({ type: "drop", epoch: r.host.nextEpoch(), taskId: 1, reason: "deadline" });
        r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [] });
      } else r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 2, tiles: [] });
    });
    board.start();
    const summary = await board.finished;
    expect(summary).toMatchObject({
      complete: true,
      tasksRaised: 2,
      tasksDone: 1,
      tasksDropped: 1,
      commandsApplied: 2,
      unknownCommands: 1,
    });
    expect(r.host.messages("task_done").map((d) => d.taskId)).toEqual([2]);
    expect(r.host.messages("stage_done").some((s) => s.taskId === 1)).toBe(false);
  });

  it("applies a command frame received twice (same seq) once and ACKs it twice", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 100 }]), timeScale: 10 });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival");
    // raw frames with the host's own seq (far from the endpoint's), so both copies are byte-identical
    const frame = encodeMessage({ type: "schedule", epoch: 7, taskId: 1, tiles: [] }, 500);
    r.host.tap.send(frame, "schedule");
    r.host.tap.send(frame, "schedule");
    const acks = () => {
      const l = r.host.tap.received.filter((s) => s.message.type === "ack" && s.message.ackedSeq === 500);
      return l.length >= 2 ? l : undefined;
    };
    const both = await waitUntil(r.host.tap.events, "in", acks, 1000, "two ACKs of seq 500");
    expect(both.map((s) => s.message)).toEqual([
      { type: "ack", ackedSeq: 500, epoch: 7 },
      { type: "ack", ackedSeq: 500, epoch: 7 },
    ]);
    await r.host.waitFor("task_done");
    expect(board.stats.commandsApplied).toBe(1);
    expect(board.stats.link.duplicates).toBe(1);
    expect(r.host.messages("stage_done").map((s) => s.stage)).toEqual([0, 1, 2]);
  });

  it("ACKs a command with a stale epoch without applying it", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 1000 }]), timeScale: 10 });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival");
    r.host.epoch = 5;
    r.host.command({ type: "schedule", epoch: 5, taskId: 1, tiles: [] });
    // a late PREEMPT from an older decision: applied, it would stop the task for good at a layer boundary
    r.host.command({ type: "preempt", epoch: 3, taskId: 1 });
    const done = await r.host.waitFor("task_done");
    expect(done.taskId).toBe(1);
    const acks = r.host.tap.received.filter((s) => s.message.type === "ack").map((s) => s.message);
    expect(acks).toContainEqual(expect.objectContaining({ epoch: 3 }));
    await expect(board.finished).resolves.toMatchObject({ complete: true, commandsApplied: 1, staleCommands: 1, tasksDone: 1 });
  });

  it("reports a tile off the mesh with ERROR 5 and ignores commands for unknown tasks", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small" }]), timeScale: 10, mesh: { width: 4, height: 4 } });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival");
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [3, 16] });
    r.host.command({ type: "preempt", epoch: r.host.nextEpoch(), taskId: 99 });
    const err = await r.host.waitFor("error");
    expect(err.code).toBe(ERROR_CODES.badCommand);
    expect(err.text).toMatch(/tile 16/);
    await waitUntil(r.host.ep, "acked", () => (r.host.ep.pending === 0 ? true : undefined), 1000, "both commands ACKed");
    expect(board.stats).toMatchObject({ badCommands: 1, unknownCommands: 1, commandsApplied: 0 });
    // the task is still there: a valid placement runs it
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [3, 2] });
    await r.host.waitFor("task_done");
  });
});
