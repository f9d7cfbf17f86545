// A fleet board's sessions (host/fleet, README "Fleet"): it keeps its open tasks across a change of
// owner (resyncOnNewSession) and refuses a displaced owner's commands by their epoch (fenceEpochs).
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { type Command, encodeMessage } from "../../../firmware-bridge/protocol/index.js";
import { rig, tinyScenario, waitUntil } from "./harness.js";

let board: VirtualBoard | undefined;
afterEach(() => {
  board?.stop();
  board = undefined;
});

const sessionsUp = (b: VirtualBoard, n: number) =>
  waitUntil(b, "session", () => (b.stats.sessionsUp >= n ? true : undefined), 2000, `session ${n}`);

describe("fleet board sessions", () => {
  it("starts a new session after a kept task finished before its new owner ACKed its ARRIVAL, and announces it again", async () => {
    const r = rig({
      scenario: tinyScenario([
        { id: 1, model: "small", t: 0 },
        { id: 2, model: "small", t: 400e6 },
      ]),
      timeScale: 1,
      retryMs: 5000, // nothing given up on by itself: the sessions change only when the host asks
      resyncOnNewSession: true,
      helloRequestGraceMs: 0,
    });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival", (m) => m.taskId === 1);
    // from now on the host's ACKs of task 1's ARRIVAL are lost
    r.host.tap.dropOut = (s) => {
      const m = s.message;
      if (m.type !== "ack") return false;
      const acked = r.host.tap.received.filter((x) => x.seq === m.ackedSeq).at(-1)?.message;
      return acked?.type === "arrival" && acked.taskId === 1;
    };
    r.host.ep.send({ type: "hello_request" });
    await sessionsUp(board, 2);
    // task 1 was kept: announced again in session 2; the host places it and it finishes, its ARRIVAL still unACKed
    await waitUntil(
      r.host.tap.events,
      "in",
      () => (r.host.tap.received.filter((s) => s.message.type === "arrival" && s.message.taskId === 1).length >= 2 ? true : undefined),
      2000,
      "task 1 announced again",
    );
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [] });
    // (the board emits the machine event before it counts the task done: poll the count)
    await expect.poll(() => board!.stats.tasksDone, { timeout: 2000 }).toBe(1);
    r.host.tap.dropOut = undefined;
    const before = r.host.tap.received.length;
    r.host.ep.send({ type: "hello_request" });
    // a third session: the finished task's ARRIVAL goes out again, then its TASK_DONE
    await sessionsUp(board, 3);
    await waitUntil(
      r.host.tap.events,
      "in",
      () => (r.host.tap.received.slice(before).some((s) => s.message.type === "task_done" && s.message.taskId === 1) ? true : undefined),
      2000,
      "task 1's TASK_DONE in session 3",
    );
    expect(r.host.tap.received.slice(before).some((s) => s.message.type === "arrival" && s.message.taskId === 1)).toBe(true);
    expect(board.stats.errorsSent).toBe(0);
  });

  for (const mode of ["layer-temporal", "tile-spatial"] as const) {
    it(`keeps a running task's completed stages across a change of owner (${mode}): they are not run again`, async () => {
      const r = rig({
        // task 1: five layers of 100-300 ms, or a 4-stage pipeline whose stages end from 260 to 320 ms (board time = wall time)
        scenario: tinyScenario([{ id: 1, model: "large", t: 0, scale: mode === "tile-spatial" ? 1000 : 10_000 }]),
        timeScale: 1,
        retryMs: 5000,
        resyncOnNewSession: true,
        fenceEpochs: true,
        helloRequestGraceMs: 0,
      });
      board = r.board;
      const stages: number[] = [];
      board.on("event", (e) => e.kind === "stage" && e.taskId === 1 && stages.push(e.stage));
      const place = () =>
        r.host.command(
          mode === "tile-spatial"
            ? { type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [0, 1, 2, 3] }
            : { type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [] },
        );
      board.start();
      await r.host.waitFor("arrival", (m) => m.taskId === 1);
      place();
      // the first owner hears its first stage done, then dies; a new owner asks for a session
      await r.host.waitFor("stage_done", (m) => m.taskId === 1);
      r.host.epoch = 1000;
      const before = r.host.log.length;
      r.host.ep.send({ type: "hello_request" });
      await sessionsUp(board, 2);
      const since = () => r.host.log.slice(before).map((e) => e.message);
      await waitUntil(
        r.host.tap.events,
        "message",
        () => since().find((m) => m.type === "arrival" && m.taskId === 1),
        2000,
        "task 1 again",
      );
      // the new owner learns what is done before it places the task: the latest STAGE_DONE, again
      const told = await waitUntil(
        r.host.tap.events,
        "message",
        () => since().find((m) => m.type === "stage_done" && m.taskId === 1),
        2000,
        "task 1's stages done, told again",
      );
      expect(told.type === "stage_done" && told.stage).toBeGreaterThanOrEqual(0);
      place();
      await r.host.waitFor("task_done", (m) => m.taskId === 1, 5000);
      // every stage ran once: the new owner's placement went on from the first owner's work
      expect(stages.length).toBeGreaterThan(1);
      expect(new Set(stages).size).toBe(stages.length);
      expect(board.stats).toMatchObject({ tasksDone: 1, tasksAborted: 0, badCommands: 0 });
    });
  }

  it("refuses a displaced owner's commands by epoch, before they can take the new owner's seq numbers", async () => {
    const r = rig({
      scenario: tinyScenario([
        { id: 1, model: "small", t: 0, scale: 20 },
        { id: 2, model: "small", t: 500e6 },
      ]),
      timeScale: 1,
      resyncOnNewSession: true,
      fenceEpochs: true,
      helloRequestGraceMs: 0,
    });
    board = r.board;
    const applied: Command[] = [];
    board.on("command", (c, outcome) => outcome === "applied" && applied.push(c));
    // the first owner's epochs start at 100 (its HELLO ACK says so)
    r.host.epoch = 100;
    board.start();
    await r.host.waitFor("arrival", (m) => m.taskId === 1);
    r.host.command({ type: "schedule", epoch: 101, taskId: 1, tiles: [0] });
    await waitUntil(board, "command", () => (applied.length >= 1 ? true : undefined), 2000, "the first owner's placement");

    // a new owner (fencing token 1000) starts a session; task 1 is announced to it again
    r.host.epoch = 1000;
    const before = r.host.tap.received.length;
    r.host.ep.send({ type: "hello_request" });
    await sessionsUp(board, 2);
    await waitUntil(
      r.host.tap.events,
      "in",
      () => (r.host.tap.received.slice(before).some((s) => s.message.type === "arrival" && s.message.taskId === 1) ? true : undefined),
      2000,
      "task 1 announced again",
    );
    // the old owner's retransmissions, still in flight, on the seq numbers the new owner uses next
    for (let seq = 0; seq < 4; seq++) {
      r.host.tap.send(encodeMessage({ type: "schedule", epoch: 102, taskId: 1, tiles: [9] }, seq), "schedule");
    }
    r.host.command({ type: "schedule", epoch: 1001, taskId: 1, tiles: [0] });
    await expect.poll(() => board!.stats.tasksDone, { timeout: 3000 }).toBe(1);
    expect(applied.map((c) => c.epoch)).toEqual([101, 1001]);
    expect(board.stats.fencedFrames).toBe(4);
    expect(board.stats.badCommands).toBe(0);
  });

  it("keeps a feed arrival published while it had no owner and announces it to the next owner, once", async () => {
    const r = rig(
      {
        scenario: tinyScenario([{ id: 1, model: "small", t: 300e6 }]),
        timeScale: 1,
        retryMs: 5000,
        resyncOnNewSession: true,
        helloRequestGraceMs: 0,
      },
      { externalFeed: true },
    );
    board = r.board;
    board.start();
    await sessionsUp(board, 1);
    // the owner has died (it hears nothing more); a service publishes task 500 on the feed
    r.external({ id: 500, model: "small", priority: 9, deadlineMs: 50 });
    await expect.poll(() => board!.stats.externalTasks).toBe(1);
    // the next owner asks for a session: task 500 is announced to it, with the feed's priority and deadline
    const before = r.host.tap.received.length;
    r.host.ep.send({ type: "hello_request" });
    await sessionsUp(board, 2);
    const a = await r.host.waitFor("arrival", (m) => m.taskId === 500);
    expect(a).toMatchObject({ priority: 9, modelId: 0 });
    expect(a.deadlineNs - a.arrivalNs).toBe(50e6);
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 500, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 500);
    await r.host.waitFor("arrival", (m) => m.taskId === 1);
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 1);
    await board.finished;
    // counted from the new session's HELLO: the board also told the owner it still took for live (it
    // announces a feed task at once in a live session), which is not the next owner
    const since = r.host.tap.received.slice(before);
    const hello = since.findIndex((x) => x.message.type === "hello");
    const announced = since.slice(hello).filter((x) => x.message.type === "arrival" && x.message.taskId === 500);
    expect(announced).toHaveLength(1);
    expect(board.stats).toMatchObject({ tasksDone: 2, tasksAborted: 0, tasksUnclaimed: 0 });
  });

  it("announces a feed arrival at once in a live session (its owner may have refused the feed message as early), and it runs once", async () => {
    const r = rig(
      { scenario: tinyScenario([{ id: 1, model: "small", t: 300e6 }]), timeScale: 1, resyncOnNewSession: true },
      { externalFeed: true },
    );
    board = r.board;
    board.start();
    await sessionsUp(board, 1);
    r.external({ id: 502, model: "small", priority: 3 });
    const a = await r.host.waitFor("arrival", (m) => m.taskId === 502);
    expect(a).toMatchObject({ priority: 3, modelId: 0 });
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 502, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 502);
    expect(board.stats.tasksDone).toBe(1);
  });

  it("announces a feed arrival that came during the handshake in the session it opens", async () => {
    const r = rig(
      { scenario: tinyScenario([{ id: 1, model: "small", t: 300e6 }]), timeScale: 1, resyncOnNewSession: true },
      { externalFeed: true },
    );
    board = r.board;
    // nobody ACKs the HELLO yet: the board has no owner
    r.host.tap.dropOut = (s) => s.message.type === "ack";
    board.start();
    await r.host.waitFor("hello");
    r.external({ id: 501, model: "small" });
    await expect.poll(() => board!.stats.externalTasks).toBe(1);
    r.host.tap.dropOut = undefined;
    const a = await r.host.waitFor("arrival", (m) => m.taskId === 501);
    expect(a.deadlineNs - a.arrivalNs).toBe(100e6);
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 501, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 501);
  });
});
