// The virtual board's session rules (PROTOCOL.md §5-6): HELLO first and until ACKed, never given
// up, HELLO_REQUEST starts over, lost ACKs are retried, heartbeats and telemetry once established.
import { afterEach, describe, expect, it } from "vitest";
import { HELLO_FLAGS, type Message } from "../../../firmware-bridge/protocol/index.js";
import type { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { rig, tinyScenario, waitUntil } from "./harness.js";

let board: VirtualBoard | undefined;
afterEach(() => {
  board?.stop();
  board = undefined;
});

const established = (b: VirtualBoard) => new Promise<void>((resolve) => (b.established ? resolve() : b.once("session", () => resolve())));

describe("virtual board session", () => {
  it("sends HELLO first and re-sends the same frame until it is ACKed, then nothing else before", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small" }]), timeScale: 10 });
    board = r.board;
    // lose the host's first two ACKs of the HELLO
    let lost = 0;
    r.host.tap.dropOut = (s) => s.message.type === "ack" && lost++ < 2;
    board.start();
    await established(board);
    const hellos = r.host.tap.received.filter((s) => s.message.type === "hello");
    expect(hellos.length).toBeGreaterThanOrEqual(3);
    // a retransmission is byte-identical, seq 0
    for (const h of hellos) {
      expect(h.seq).toBe(0);
      expect(Buffer.from(h.frame).equals(Buffer.from(hellos[0]!.frame))).toBe(true);
      // HELLO keeps header version 1 in protocol 2, so any host can read it (PROTOCOL.md §6)
      expect(h.frame[0]).toBe(1);
    }
    const firstOther = r.host.tap.received.findIndex((s) => s.message.type !== "hello");
    expect(firstOther === -1 || firstOther >= 3).toBe(true);
    expect(hellos[0]!.message).toMatchObject({
      type: "hello",
      protocolVersion: 2,
      meshWidth: 8,
      meshHeight: 8,
      pesPerTile: 64,
      clockMhz: 1000,
      maxTasks: 256,
      flags: HELLO_FLAGS.tileSpatial | HELLO_FLAGS.layerTemporal,
      boardId: "tb1",
    });
    expect(board.stats.link.retries).toBeGreaterThanOrEqual(2);
    expect(board.stats.sessions).toBe(1);
  });

  it("never gives up on HELLO: after the endpoint's last attempt it starts a new session", async () => {
    const r = rig({ scenario: tinyScenario([]), timeScale: 1, retryMs: 5, maxAttempts: 3 });
    board = r.board;
    r.host.tap.dropOut = (s) => s.message.type === "ack" && r.board.stats.sessions < 3;
    board.start();
    await established(board);
    expect(board.stats.sessions).toBeGreaterThanOrEqual(3);
    const hellos = r.host.tap.received.filter((s) => s.message.type === "hello");
    expect(hellos.every((h) => h.seq === 0)).toBe(true);
    // each new session's HELLO carries a later board time, so the host sees a new session
    const times = [...new Set(hellos.map((h) => (h.message as Extract<Message, { type: "hello" }>).boardTimeNs))];
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // and an empty scenario is finished as soon as the session is up
    await expect(board.finished).resolves.toMatchObject({ complete: true, tasksRaised: 0 });
  });

  it("answers HELLO_REQUEST with a new session: HELLO from seq 0, tasks held are aborted until re-issued, arrivals go on", async () => {
    const r = rig({
      // task 2 comes 100 ms (wall) later: well after the new session
      scenario: tinyScenario([
        { id: 1, model: "small", t: 0 },
        { id: 2, model: "small", t: 200e6 },
      ]),
      timeScale: 2,
      helloRequestGraceMs: 0,
    });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival", (m) => m.taskId === 1);
    const before = r.host.tap.received.length;
    r.host.ep.send({ type: "hello_request" });
    await waitUntil(
      r.host.tap.events,
      "in",
      () => r.host.tap.received.slice(before).find((s) => s.message.type === "hello"),
      1000,
      "a new HELLO",
    );
    const again = r.host.tap.received.slice(before).find((s) => s.message.type === "hello")!;
    expect(again.seq).toBe(0);
    await waitUntil(board, "session", () => (board!.stats.sessionsUp >= 2 ? true : undefined), 1000, "the second session");
    expect(board.stats.tasksAborted).toBe(1);
    // task 1 ran in the old session (its work is lost); the host re-issues it in the new one
    // (PROTOCOL.md §6.1) and it runs again from its first stage; task 2 still arrives
    const a2 = await r.host.waitFor("arrival", (m) => m.taskId === 2);
    expect(a2.taskId).toBe(2);
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 1, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 1);
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 2, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 2);
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, sessions: 2, tasksRaised: 2, tasksDone: 2, tasksAborted: 1, tasksReissued: 1 });
    expect(summary.unknownCommands).toBe(0);
  });

  it("after a reset: a DROP ends an aborted task, an unclaimed one ends after the hold time, an unacknowledged one is announced again", async () => {
    const r = rig({
      scenario: tinyScenario([
        { id: 1, model: "small", t: 0, scale: 50 },
        { id: 2, model: "small", t: 0, scale: 50 },
        { id: 3, model: "small", t: 0, scale: 50 },
      ]),
      timeScale: 1,
      externalHoldMs: 150,
      retryMs: 5000, // task 3's ARRIVAL must not be given up on (that would start a session by itself)
    });
    board = r.board;
    // the host never ACKs task 3's first ARRIVAL: the board still holds it unannounced at the reset
    let held3 = true;
    r.host.tap.dropOut = (s) => {
      const m = s.message;
      return (
        held3 &&
        m.type === "ack" &&
        r.host.tap.received.some((x) => x.seq === m.ackedSeq && x.message.type === "arrival" && x.message.taskId === 3)
      );
    };
    board.start();
    await r.host.waitFor("arrival", (m) => m.taskId === 2);
    await r.host.waitFor("arrival", (m) => m.taskId === 3);
    const sent3 = r.host.tap.received.filter((s) => s.message.type === "arrival" && s.message.taskId === 3).length;
    // the ACKs of tasks 1 and 2 reached the board (the HELLO's and theirs): the host has taken them over
    await waitUntil(
      r.boardTap.events,
      "in",
      () => (r.boardTap.received.filter((x) => x.message.type === "ack").length >= 3 ? true : undefined),
      1000,
      "the ACKs of tasks 1 and 2",
    );
    held3 = false;
    board.reset("test");
    await waitUntil(board, "session", () => (board!.stats.sessionsUp >= 2 ? true : undefined), 1000, "the second session");
    expect(board.stats.tasksAborted).toBe(3);
    // task 3 comes again in the new session (the host had not taken it over)
    await waitUntil(
      r.host.tap.events,
      "in",
      () => (r.host.tap.received.filter((s) => s.message.type === "arrival" && s.message.taskId === 3).length > sent3 ? true : undefined),
      1000,
      "task 3 announced again",
    );
    r.host.command({ type: "drop", epoch: r.host.nextEpoch(), taskId: 1, reason: "deadline" });
    r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: 3, tiles: [] });
    await r.host.waitFor("task_done", (m) => m.taskId === 3);
    // task 2: neither re-issued nor dropped, ended once the hold time passed
    const summary = await board.finished;
    expect(summary).toMatchObject({ complete: true, tasksAborted: 3, tasksReissued: 0, tasksUnclaimed: 1, tasksDropped: 1, tasksDone: 1 });
  });

  it("a task a DROP ended while its ARRIVAL's ACK was lost is announced again after a reset (the new session starts)", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 50 }]), timeScale: 1, retryMs: 5000 });
    board = r.board;
    // the host takes task 1 and drops it at once, but its ACK of the ARRIVAL never reaches the board
    let arrivalSeq = -1;
    let loseAck = true;
    r.host.ep.on("message", (m, seq) => {
      if (m.type === "arrival" && arrivalSeq === -1) {
        arrivalSeq = seq;
        r.host.command({ type: "drop", epoch: r.host.nextEpoch(), taskId: 1, reason: "deadline" });
      }
    });
    r.host.tap.dropOut = (s) => loseAck && s.message.type === "ack" && s.message.ackedSeq === arrivalSeq;
    board.start();
    await new Promise<void>((resolve) => board!.on("command", (c, how) => c.kind === "drop" && how === "applied" && resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(board.stats.tasksDropped).toBe(1);
    loseAck = false;
    board.reset("test");
    // the new session comes up, and the ended task's ARRIVAL goes out again in it
    await waitUntil(board, "session", () => (board!.stats.sessionsUp >= 2 ? true : undefined), 2000, "the second session");
    const hello2 = r.host.tap.received.map((s) => s.message.type).lastIndexOf("hello");
    await waitUntil(
      r.host.tap.events,
      "in",
      () => r.host.tap.received.slice(hello2).find((s) => s.message.type === "arrival" && s.message.taskId === 1),
      2000,
      "task 1 announced again",
    );
    expect(r.host.messages("error")).toEqual([]);
  });

  it("ignores a HELLO_REQUEST that crossed its HELLO (just after the session was established)", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small" }]), timeScale: 10, retryMs: 200 });
    board = r.board;
    board.start();
    await r.host.waitFor("arrival");
    r.host.ep.send({ type: "hello_request" });
    await waitUntil(
      r.boardTap.events,
      "in",
      () => r.boardTap.received.find((s) => s.message.type === "hello_request"),
      1000,
      "the request at the board",
    );
    expect(board.stats).toMatchObject({ sessions: 1, tasksAborted: 0 });
  });

  it("retransmits a frame whose ACK was lost, and sends a task's events only after its ARRIVAL is ACKed", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "small", scale: 100 }]), timeScale: 10, retryMs: 30 });
    board = r.board;
    // the host loses its first ACK of the ARRIVAL (the board's frame), and schedules the task at once
    let arrivalSeq = -1;
    let lost = 0;
    r.host.ep.on("message", (m, seq) => {
      if (m.type === "arrival") {
        arrivalSeq = seq;
        r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [] });
      }
    });
    r.host.tap.dropOut = (s) => s.message.type === "ack" && s.message.ackedSeq === arrivalSeq && lost++ === 0;
    board.start();
    await r.host.waitFor("task_done");
    const rx = r.host.tap.received;
    const copies = rx.map((s, i) => ({ s, i })).filter(({ s }) => s.message.type === "arrival");
    expect(copies.length).toBe(2);
    expect(copies[1]!.s.seq).toBe(copies[0]!.s.seq);
    expect(Buffer.from(copies[1]!.s.frame).equals(Buffer.from(copies[0]!.s.frame))).toBe(true);
    const firstEvent = rx.findIndex((s) => s.message.type === "stage_done" || s.message.type === "task_done");
    expect(firstEvent).toBeGreaterThan(copies[1]!.i);
    expect(board.stats.link.retries).toBeGreaterThanOrEqual(1);
    expect(r.host.ep.stats.duplicates).toBe(1);
    // the host handed the ARRIVAL over once
    expect(r.host.messages("arrival")).toHaveLength(1);
  });

  it("sends HEARTBEAT and TELEMETRY once established", async () => {
    const r = rig({ scenario: tinyScenario([{ id: 1, model: "large", scale: 1000 }]), timeScale: 1, heartbeatMs: 15, telemetryMs: 10 });
    board = r.board;
    r.host.ep.on("message", (m) => {
      if (m.type === "arrival") r.host.command({ type: "schedule", epoch: r.host.nextEpoch(), taskId: m.taskId, tiles: [4, 5, 6, 7] });
    });
    board.start();
    await r.host.waitFor("heartbeat", (m) => m.counter === 2);
    const tel = await r.host.waitFor("telemetry", (m) => m.runningTasks === 1);
    expect(tel.busyTiles).toBe(4);
    expect(tel.queuedTasks).toBe(0);
    expect(tel.tempCentiC).toBeGreaterThanOrEqual(2500);
    const beats = r.host.messages("heartbeat");
    expect(beats.map((b) => b.counter).slice(0, 3)).toEqual([0, 1, 2]);
    expect(beats[1]!.boardTimeNs).toBeGreaterThan(beats[0]!.boardTimeNs);
    expect(beats[0]!.rxRejected).toBe(0);
  });
});
