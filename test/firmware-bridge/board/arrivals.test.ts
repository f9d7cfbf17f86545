// Arrivals on the virtual board: raised after the HELLO ACK at their times, with the scenario's
// ids and model ids; XRBench dependencies held on the board as the simulator holds them; external
// arrivals (the MQTT feed) admitted without an ARRIVAL, commands for them held until they come.
import { afterEach, describe, expect, it } from "vitest";
import { NO_FRAME } from "../../../firmware-bridge/protocol/index.js";
import type { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { rig, tinyScenario, waitUntil } from "./harness.js";

let board: VirtualBoard | undefined;
afterEach(() => {
  board?.stop();
  board = undefined;
});

describe("virtual board arrivals", () => {
  it("raises a scenario's arrivals after the HELLO ACK, in order, with its ids, model ids and times", async () => {
    const s = loadScenario("VR_gaming", { seed: 1, board: { mesh: { width: 8, height: 8 } }, durationMs: 100 });
    const r = rig({ scenario: s, timeScale: 20 });
    board = r.board;
    // a trivial host: every task on the whole array, in arrival order (the temporal machine queues them)
    r.host.ep.on("message", (m) => {
      if (m.type === "arrival") r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
    });
    board.start();
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, tasksRaised: s.arrivals.length, tasksDone: s.arrivals.length, droppedDependency: 0 });

    const rx = r.host.tap.received;
    const ackOfHello = r.host.tap.sent.findIndex((x) => x.message.type === "ack" && x.message.ackedSeq === 0);
    expect(ackOfHello).toBeGreaterThanOrEqual(0);
    expect(rx[0]!.message.type).toBe("hello");

    const origin = summary.workloadOriginNs!;
    const got = r.host.messages("arrival");
    expect(got.map((a) => a.taskId).sort((a, b) => a - b)).toEqual(s.arrivals.map((a) => a.id));
    for (const a of got) {
      const src = s.arrivals.find((x) => x.id === a.taskId)!;
      expect(a.modelId).toBe(s.models.findIndex((m) => m.name === src.model));
      expect(a.frame).toBe(src.frame ?? NO_FRAME);
      expect(a.priority).toBe(src.priority);
      expect(a.arrivalNs).toBe(origin + src.arrivalNs);
      expect(a.deadlineNs).toBe(origin + src.deadlineNs);
    }
    // independent arrivals come in id order; a dependent one only after its parent's TASK_DONE
    const indep = got.filter((a) => !s.arrivals.find((x) => x.id === a.taskId)!.after).map((a) => a.taskId);
    expect(indep).toEqual([...indep].sort((a, b) => a - b));
    const order = r.host.log.map((e) => e.message);
    for (const child of s.arrivals.filter((a) => a.after)) {
      const parent = s.arrivals.find((p) => p.model === child.after!.model && p.frame === child.after!.frame)!;
      const parentDone = order.findIndex((m) => m.type === "task_done" && m.taskId === parent.id);
      const childArrival = order.findIndex((m) => m.type === "arrival" && m.taskId === child.id);
      expect(parentDone).toBeGreaterThanOrEqual(0);
      expect(childArrival).toBeGreaterThan(parentDone);
    }
  });

  it("raises a dependent arrival only after its parent finished, and never when the parent was dropped", async () => {
    const scenario = tinyScenario([
      { id: 1, model: "small", frame: 0, t: 0, scale: 1000 },
      { id: 2, model: "medium", frame: 0, t: 0, after: { model: "small", frame: 0 } },
      { id: 3, model: "small", frame: 1, t: 0 },
      { id: 4, model: "medium", frame: 1, t: 1e6, after: { model: "small", frame: 1 } },
    ]);
    const r = rig({ scenario, timeScale: 10 });
    board = r.board;
    r.host.ep.on("message", (m) => {
      if (m.type !== "arrival") return;
      if (m.taskId === 3) r.host.command({ type: "drop", epoch: r.host.nextEpoch(), taskId: 3, reason: "deadline" });
      else r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
    });
    board.start();
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, tasksRaised: 3, tasksDone: 2, tasksDropped: 1, droppedDependency: 1 });
    const order = r.host.log.map((e) => e.message);
    const done1 = order.findIndex((m) => m.type === "task_done" && m.taskId === 1);
    const arr2 = order.findIndex((m) => m.type === "arrival" && m.taskId === 2);
    expect(done1).toBeGreaterThanOrEqual(0);
    expect(arr2).toBeGreaterThan(done1);
    expect(order.some((m) => m.type === "arrival" && m.taskId === 4)).toBe(false);
    // the child keeps its own arrival time (its wait for the parent is part of its latency)
    const a1 = r.host.messages("arrival").find((a) => a.taskId === 1)!;
    const a2 = r.host.messages("arrival").find((a) => a.taskId === 2)!;
    expect(a2.arrivalNs).toBe(a1.arrivalNs);
  });

  it("runs external arrivals without raising them, holding a command that came first", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 100 }]), timeScale: 10 }, { externalFeed: true });
    board = r.board;
    const outcomes: string[] = [];
    board.on("command", (c, outcome) => outcomes.push(`${c.taskId}:${outcome}`));
    r.host.ep.on("message", (m) => {
      if (m.type === "arrival") r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
    });
    board.start();
    await r.host.waitFor("arrival");
    // the command for external task 77 overtakes its arrival (they travel on different topics)
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 77, tiles: [] });
    await waitUntil(board, "command", () => (outcomes.includes("77:held") ? true : undefined), 1000, "the held command");
    r.external({ id: 77, model: "small", priority: 9, deadlineMs: 50 });
    r.external("{not json");
    r.external({ id: 78, model: "nope" });
    r.external({ id: 1, model: "small" }); // a scenario task's id
    const done = await r.host.waitFor("task_done", (m) => m.taskId === 77);
    expect(done.energyPJ).toBeGreaterThan(0);
    expect(outcomes).toContain("77:applied");
    const summary = await board.finished;
    expect(summary).toMatchObject({
      complete: true,
      tasksRaised: 1,
      externalTasks: 1,
      externalRejected: 3,
      tasksDone: 2,
      commandsApplied: 2,
    });
    expect(r.host.messages("arrival").map((a) => a.taskId)).toEqual([1]);
  });

  it("counts a command for a task that never arrives after holding it", async () => {
    const r = rig({ scenario: tinyScenario([]), timeScale: 10, externalHoldMs: 30 }, { externalFeed: true });
    board = r.board;
    board.start();
    await new Promise<void>((resolve) => board!.once("session", () => resolve()));
    r.host.command({ type: "preempt", epoch: r.host.nextEpoch(), taskId: 5 });
    const outcomes: string[] = [];
    board.on("command", (_c, o) => outcomes.push(o));
    await waitUntil(board, "command", () => (outcomes.includes("unknown") ? true : undefined), 1000, "the expiry");
    expect(outcomes).toEqual(["held", "unknown"]);
    expect(board.stats.unknownCommands).toBe(1);
  });
});
