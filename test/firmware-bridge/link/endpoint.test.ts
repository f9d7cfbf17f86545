// Unit tests of the reliable endpoint (firmware-bridge/link/endpoint.ts, PROTOCOL.md §5): seq
// numbering, the window, retry and give-up, NACK both ways, duplicates applied once, per-key
// ordering, unreliable frames sent once, and a new HELLO starting a new session.
//
// Most tests drive one endpoint through a RecordingTransport defined below rather than the
// in-process pair: a test has to see every frame the endpoint put on the wire (with its topic
// kind), deliver frames from the "peer" at a chosen moment, and deliver frames no correct peer
// would send (corrupted, duplicated, NACKs), none of which the pair allows. The last block uses
// the real pair (COBS, splitter, setImmediate delivery) with two endpoints back to back.
//
// Time is vitest's fake clock (setTimeout, setImmediate and performance.now, which the endpoint
// reads for the de-duplication TTL), so retry and TTL tests are exact and take no real time.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Endpoint, type EndpointOptions } from "../../../firmware-bridge/link/endpoint.js";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { type FrameTransport, type TransportStats, emptyStats } from "../../../firmware-bridge/link/transport.js";
import {
  MSG,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeMessage,
  frameBytes,
  type DecodeError,
  type Message,
  type MessageOf,
  type MessageType,
  type NackReason,
} from "../../../firmware-bridge/protocol/index.js";

/** Keeps every frame sent (a copy, with its topic kind); `deliver` hands a frame to the endpoint now. */
class RecordingTransport implements FrameTransport {
  readonly stats: TransportStats = emptyStats();
  readonly describe = "recording transport (test)";
  readonly sent: { frame: Uint8Array; type: MessageType }[] = [];
  private handler?: (frame: Uint8Array, type?: MessageType) => void;

  send(frame: Uint8Array, type: MessageType): void {
    this.sent.push({ frame: frame.slice(), type });
  }
  onFrame(handler: (frame: Uint8Array, type?: MessageType) => void): void {
    this.handler = handler;
  }
  async close(): Promise<void> {}

  reconnected?: () => void;
  onReconnect(handler: () => void): void {
    this.reconnected = handler;
  }

  deliver(frame: Uint8Array, type?: MessageType): void {
    if (!this.handler) throw new Error("no endpoint listens");
    this.handler(frame, type);
  }
  /** Every frame sent so far, decoded (a frame the endpoint cannot decode itself fails the test). */
  decoded(): { seq: number; message: Message }[] {
    return this.sent.map(({ frame }) => {
      const r = decodeFrame(frame);
      if (!r.ok) throw new Error(`the endpoint sent an undecodable frame: ${r.error}`);
      return { seq: r.seq, message: r.message };
    });
  }
  /** Decoded frames sent since the last call. */
  private read = 0;
  fresh(): { seq: number; message: Message }[] {
    const all = this.decoded();
    const out = all.slice(this.read);
    this.read = all.length;
    return out;
  }
}

const RETRY = 100;

function schedule(taskId: number, epoch = 1): Message {
  return { type: "schedule", epoch, taskId, tiles: [taskId % 4, 5] };
}
function heartbeat(counter: number): Message {
  return { type: "heartbeat", boardTimeNs: 1_000_000 * counter, counter, rxRejected: 0 };
}
function arrival(taskId: number): Message {
  return { type: "arrival", taskId, modelId: 2, priority: 1, frame: taskId, arrivalNs: 1000, deadlineNs: 5_000_000 };
}
function hello(boardTimeNs: number): Message {
  return {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    fwMajor: 1,
    fwMinor: 0,
    fwPatch: 0,
    meshWidth: 4,
    meshHeight: 4,
    pesPerTile: 16,
    clockMhz: 200,
    maxTasks: 8,
    flags: 0,
    boardTimeNs,
    boardId: "unit",
  };
}

/** An endpoint on a recording transport, with its events collected. */
function setup(opts: Partial<EndpointOptions> = {}) {
  const t = new RecordingTransport();
  const ep = new Endpoint(t, { side: "host", retryMs: RETRY, ...opts });
  const messages: { message: Message; seq: number }[] = [];
  const acked: { message: Message; seq: number }[] = [];
  const giveUps: { message: Message; reason: string }[] = [];
  ep.on("message", (message, seq) => messages.push({ message, seq }));
  ep.on("acked", (message, seq) => acked.push({ message, seq }));
  ep.on("giveUp", (message, reason) => giveUps.push({ message, reason }));
  return { t, ep, messages, acked, giveUps };
}

/** Frames from the peer, with the peer's own seq counter. */
function peer() {
  let seq = 1000;
  return {
    ack: (ackedSeq: number, epoch = 0) => encodeMessage({ type: "ack", ackedSeq, epoch }, seq++),
    nack: (ackedSeq: number, reason: NackReason) => encodeMessage({ type: "nack", ackedSeq, reason }, seq++),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("sequence numbers", () => {
  it("numbers every frame sent, reliable or not, from 0, and a frame's bytes are the codec's", () => {
    const { t, ep } = setup();
    expect(ep.send(schedule(1))).toBe(0);
    expect(ep.send(heartbeat(1))).toBe(1);
    expect(ep.send(schedule(2))).toBe(2);
    expect(t.sent.map((s) => s.type)).toEqual(["schedule", "heartbeat", "schedule"]);
    expect(t.sent[0]!.frame).toEqual(encodeMessage(schedule(1), 0));
    expect(t.sent[1]!.frame).toEqual(encodeMessage(heartbeat(1), 1));
    expect(t.sent[2]!.frame).toEqual(encodeMessage(schedule(2), 2));
    expect(ep.stats.framesSent).toBe(3);
  });
});

describe("window", () => {
  it("keeps at most `window` reliable frames unacknowledged; the rest go out, in order, as ACKs arrive", () => {
    const { t, ep, acked } = setup({ window: 3 });
    const p = peer();
    const seqs = [1, 2, 3, 4, 5].map((id) => ep.send(schedule(id)));
    expect(seqs).toEqual([0, 1, 2, -1, -1]);
    expect(t.fresh().map((f) => [f.seq, (f.message as { taskId: number }).taskId])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(ep.pending).toBe(5);

    t.deliver(p.ack(1));
    expect(acked.map((a) => a.seq)).toEqual([1]);
    // task 4 gets the next seq (3): seqs are given when a frame goes out, not when it is queued
    expect(t.fresh().map((f) => [f.seq, (f.message as { taskId: number }).taskId])).toEqual([[3, 4]]);
    expect(ep.pending).toBe(4);

    t.deliver(p.ack(0));
    expect(t.fresh().map((f) => [f.seq, (f.message as { taskId: number }).taskId])).toEqual([[4, 5]]);
    t.deliver(p.ack(2));
    t.deliver(p.ack(3));
    t.deliver(p.ack(4));
    expect(t.fresh()).toEqual([]); // nothing left to send
    expect(acked.map((a) => a.seq)).toEqual([1, 0, 2, 3, 4]);
    expect(ep.pending).toBe(0);
  });

  it("retries only the frames in flight, never the waiting ones", () => {
    const { t, ep } = setup({ window: 2 });
    for (const id of [1, 2, 3, 4]) ep.send(schedule(id));
    t.fresh();
    vi.advanceTimersByTime(RETRY);
    expect(t.fresh().map((f) => f.seq)).toEqual([0, 1]);
    expect(ep.stats.retries).toBe(2);
    expect(ep.pending).toBe(4);
  });

  it("an ACK of a seq that is not outstanding changes nothing", () => {
    const { t, ep, acked } = setup({ window: 1 });
    const p = peer();
    ep.send(schedule(1));
    ep.send(schedule(2));
    t.fresh();
    t.deliver(p.ack(7));
    expect(acked).toEqual([]);
    expect(t.fresh()).toEqual([]);
    expect(ep.pending).toBe(2);
  });

  it("unreliable frames are not held by a full window", () => {
    const { t, ep } = setup({ window: 1 });
    ep.send(schedule(1));
    expect(ep.send(schedule(2))).toBe(-1);
    expect(ep.send(heartbeat(1))).toBe(1);
    expect(t.fresh().map((f) => f.message.type)).toEqual(["schedule", "heartbeat"]);
  });
});

describe("retry and give-up", () => {
  it("resends the same bytes every retryMs without an ACK, then gives up after maxAttempts sends", () => {
    const { t, ep, giveUps } = setup({ maxAttempts: 3 });
    ep.send(schedule(9));
    const first = t.sent[0]!.frame;
    vi.advanceTimersByTime(RETRY - 1);
    expect(t.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]!.frame).toEqual(first); // same seq, byte-identical
    expect(ep.stats.retries).toBe(1);
    vi.advanceTimersByTime(RETRY);
    expect(t.sent).toHaveLength(3);
    expect(t.sent[2]!.frame).toEqual(first);
    expect(ep.stats.retries).toBe(2);
    expect(giveUps).toEqual([]);

    vi.advanceTimersByTime(RETRY);
    expect(t.sent).toHaveLength(3); // no fourth send
    expect(giveUps).toEqual([{ message: schedule(9), reason: "no ACK after 3 attempts" }]);
    expect(ep.stats.lost).toBe(1);
    expect(ep.pending).toBe(0);
    vi.advanceTimersByTime(10 * RETRY);
    expect(t.sent).toHaveLength(3);
    expect(giveUps).toHaveLength(1);
  });

  it("defaults to 8 attempts in all", () => {
    const { t, ep, giveUps } = setup();
    ep.send(schedule(1));
    vi.advanceTimersByTime(20 * RETRY);
    expect(t.sent).toHaveLength(8);
    expect(ep.stats.retries).toBe(7);
    expect(giveUps).toHaveLength(1);
  });

  it("an ACK stops the retries", () => {
    const { t, ep, acked, giveUps } = setup({ maxAttempts: 3 });
    const p = peer();
    ep.send(schedule(1));
    vi.advanceTimersByTime(RETRY + 50); // one retry, then the ACK
    t.deliver(p.ack(0));
    vi.advanceTimersByTime(10 * RETRY);
    expect(t.sent).toHaveLength(2);
    expect(ep.stats.retries).toBe(1);
    expect(acked).toEqual([{ message: schedule(1), seq: 0 }]);
    expect(giveUps).toEqual([]);
    expect(ep.stats.lost).toBe(0);
    t.deliver(p.ack(0)); // a late second ACK of the same frame is ignored
    expect(acked).toHaveLength(1);
  });

  it("a frame given up frees its window slot for a waiting one", () => {
    const { t, ep, giveUps } = setup({ window: 1, maxAttempts: 2 });
    ep.send(schedule(1));
    ep.send(schedule(2));
    vi.advanceTimersByTime(2 * RETRY);
    expect(giveUps.map((g) => g.message)).toEqual([schedule(1)]);
    const after = t.decoded();
    expect(after.map((f) => [f.seq, (f.message as { taskId: number }).taskId])).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
    ]);
  });

  it("unreliable frames are sent once: never retried, never pending, never given up", () => {
    const { t, ep, giveUps, acked } = setup({ maxAttempts: 2 });
    const p = peer();
    ep.send(heartbeat(1));
    ep.send({
      type: "telemetry",
      boardTimeNs: 5,
      energyPJ: 1.5,
      powerMw: 10,
      busyTiles: 1,
      runningTasks: 1,
      queuedTasks: 0,
      tempCentiC: 2500,
    });
    ep.send({ type: "hello_request" });
    expect(ep.pending).toBe(0);
    vi.advanceTimersByTime(20 * RETRY);
    expect(t.sent.map((s) => s.type)).toEqual(["heartbeat", "telemetry", "hello_request"]);
    expect(ep.stats.retries).toBe(0);
    expect(giveUps).toEqual([]);
    t.deliver(p.ack(0)); // an ACK of an unreliable frame's seq is nothing to the sender
    expect(acked).toEqual([]);
  });
});

describe("receiving: ACK and duplicates", () => {
  it("hands a reliable frame over once and ACKs it with the ackEpoch", () => {
    const { t, ep, messages } = setup({ ackEpoch: () => 42 });
    t.deliver(encodeMessage(arrival(3), 17));
    expect(messages).toEqual([{ message: arrival(3), seq: 17 }]);
    const out = t.fresh();
    expect(out).toEqual([{ seq: 0, message: { type: "ack", ackedSeq: 17, epoch: 42 } }]);
    expect(t.sent[0]!.type).toBe("ack");
    expect(ep.stats.framesReceived).toBe(1);
    expect(ep.stats.duplicates).toBe(0);
    // an ACK is never tracked nor retried itself
    vi.advanceTimersByTime(20 * RETRY);
    expect(t.fresh()).toEqual([]);
  });

  it("a reliable frame received twice is handed over once and ACKed both times", () => {
    const { t, ep, messages } = setup();
    const frame = encodeMessage(arrival(3), 17);
    t.deliver(frame);
    t.deliver(frame);
    expect(messages).toHaveLength(1);
    expect(ep.stats.duplicates).toBe(1);
    expect(ep.stats.framesReceived).toBe(2);
    expect(t.fresh().map((f) => f.message)).toEqual([
      { type: "ack", ackedSeq: 17, epoch: 0 },
      { type: "ack", ackedSeq: 17, epoch: 0 },
    ]);
  });

  it("a different seq is a different frame, even with the same content", () => {
    const { t, ep, messages } = setup();
    t.deliver(encodeMessage(arrival(3), 17));
    t.deliver(encodeMessage(arrival(3), 18));
    expect(messages.map((m) => m.seq)).toEqual([17, 18]);
    expect(ep.stats.duplicates).toBe(0);
  });

  it("remembers a seq for dedupTtlMs only", () => {
    const { t, ep, messages } = setup({ dedupTtlMs: 1000 });
    const frame = encodeMessage(arrival(3), 17);
    t.deliver(frame);
    vi.advanceTimersByTime(999);
    t.deliver(frame);
    expect(messages).toHaveLength(1);
    expect(ep.stats.duplicates).toBe(1);
    vi.advanceTimersByTime(1);
    t.deliver(frame);
    expect(messages).toHaveLength(2);
    expect(ep.stats.duplicates).toBe(1);
  });

  it("remembers the last 64 seqs applied: the 65th-last is applied again", () => {
    const { t, ep, messages } = setup();
    for (let s = 0; s < 65; s++) t.deliver(encodeMessage(arrival(s), s));
    expect(messages).toHaveLength(65);
    t.deliver(encodeMessage(arrival(1), 1)); // among the last 64: a duplicate
    expect(messages).toHaveLength(65);
    expect(ep.stats.duplicates).toBe(1);
    t.deliver(encodeMessage(arrival(0), 0)); // seq 0 was forgotten when the 65th came
    expect(messages).toHaveLength(66);
    expect(ep.stats.duplicates).toBe(1);
  });

  it("unreliable frames are handed over every time, never ACKed nor de-duplicated", () => {
    const { t, ep, messages } = setup();
    const frame = encodeMessage(heartbeat(4), 9);
    t.deliver(frame);
    t.deliver(frame);
    expect(messages).toEqual([
      { message: heartbeat(4), seq: 9 },
      { message: heartbeat(4), seq: 9 },
    ]);
    expect(ep.stats.duplicates).toBe(0);
    expect(t.sent).toEqual([]);
  });
});

describe("receiving: frames that fail to decode", () => {
  const good = encodeMessage(schedule(1), 9);
  const corruptPayload = good.slice();
  corruptPayload[8] = corruptPayload[8]! ^ 0x5a;
  const dropPayload = new Uint8Array(9); // epoch 0, task 0, reason code 0: no such reason
  const cases: { name: string; frame: Uint8Array; reason: DecodeError }[] = [
    { name: "a flipped payload byte", frame: corruptPayload, reason: "crc" },
    { name: "a frame cut short", frame: good.subarray(0, good.length - 1), reason: "truncated" },
    { name: "a PREEMPT of 7 payload bytes", frame: frameBytes(PROTOCOL_VERSION, MSG.preempt, 9, new Uint8Array(7)), reason: "length" },
    {
      name: "an unknown version",
      frame: frameBytes(PROTOCOL_VERSION + 1, MSG.schedule, 9, good.subarray(6, good.length - 2)),
      reason: "version",
    },
    { name: "an unknown type", frame: frameBytes(PROTOCOL_VERSION, 0x7f, 9, new Uint8Array(0)), reason: "type" },
    { name: "a DROP with an unknown reason", frame: frameBytes(PROTOCOL_VERSION, MSG.drop, 9, dropPayload), reason: "range" },
  ];

  it.each(cases)("$name: rejected, not handed over, NACKed as $reason", ({ frame, reason }) => {
    const r = decodeFrame(frame);
    expect(r.ok === false && r.error).toBe(reason); // the test's own frame is what it claims
    const { t, ep, messages } = setup();
    t.deliver(frame);
    expect(messages).toEqual([]);
    expect(ep.stats.framesRejected).toBe(1);
    expect(ep.stats.framesReceived).toBe(1);
    expect(t.decoded()).toEqual([{ seq: 0, message: { type: "nack", ackedSeq: 9, reason } }]);
    expect(t.sent[0]!.type).toBe("nack");
    vi.advanceTimersByTime(20 * RETRY);
    expect(t.sent).toHaveLength(1); // a NACK is not retried
  });

  it("no NACK when the seq is unreadable (fewer than 4 bytes)", () => {
    const { t, ep, messages } = setup();
    t.deliver(good.subarray(0, 3));
    expect(ep.stats.framesRejected).toBe(1);
    expect(messages).toEqual([]);
    expect(t.sent).toEqual([]);
  });

  it("never answers a broken ACK or NACK (no NACK loops)", () => {
    const { t, ep, messages } = setup();
    const ack = encodeMessage({ type: "ack", ackedSeq: 3, epoch: 0 }, 5);
    const nack = encodeMessage({ type: "nack", ackedSeq: 3, reason: "crc" }, 6);
    ack[7] = ack[7]! ^ 1;
    nack[7] = nack[7]! ^ 1;
    t.deliver(ack);
    t.deliver(nack);
    expect(ep.stats.framesRejected).toBe(2);
    expect(messages).toEqual([]);
    expect(t.sent).toEqual([]);
  });

  it("a frame on the wrong topic kind is rejected as type; a stray ACK is not answered", () => {
    const { t, ep, messages } = setup();
    t.deliver(encodeMessage(schedule(1), 4), "heartbeat");
    expect(messages).toEqual([]);
    expect(ep.stats.framesRejected).toBe(1);
    expect(t.decoded()).toEqual([{ seq: 0, message: { type: "nack", ackedSeq: 4, reason: "type" } }]);
    t.deliver(encodeMessage({ type: "ack", ackedSeq: 0, epoch: 0 }, 5), "schedule");
    expect(ep.stats.framesRejected).toBe(2);
    expect(t.sent).toHaveLength(1);
    // the right topic is accepted
    t.deliver(encodeMessage(schedule(1), 4), "schedule");
    expect(messages).toHaveLength(1);
  });
});

describe("sending: what a NACK does", () => {
  it.each(["crc", "truncated", "length"] as const)("NACK %s: resent at once, counted as an attempt, retry timer restarted", (reason) => {
    const { t, ep, giveUps } = setup({ maxAttempts: 3 });
    const p = peer();
    ep.send(schedule(1));
    vi.advanceTimersByTime(60);
    t.deliver(p.nack(0, reason));
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]!.frame).toEqual(t.sent[0]!.frame);
    expect(ep.stats.retries).toBe(1);
    vi.advanceTimersByTime(RETRY - 1); // t = 159: the timeout runs from the resend at 60, not from 0
    expect(t.sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sent).toHaveLength(3); // third and last attempt
    vi.advanceTimersByTime(RETRY);
    expect(t.sent).toHaveLength(3);
    expect(giveUps.map((g) => g.reason)).toEqual(["no ACK after 3 attempts"]);
  });

  it.each(["crc", "truncated", "length"] as const)(
    "a peer that NACKs %s every time: given up after maxAttempts sends, not resent forever",
    (reason) => {
      const { t, ep, giveUps } = setup({ maxAttempts: 4 });
      const p = peer();
      ep.send(schedule(1));
      for (let i = 0; i < 10; i++) t.deliver(p.nack(0, reason)); // a link that damages every copy
      expect(t.sent).toHaveLength(4);
      expect(ep.stats.retries).toBe(3);
      expect(ep.stats.lost).toBe(1);
      expect(giveUps.map((g) => g.reason)).toEqual([`NACK ${reason} after 4 attempts`]);
      expect(ep.pending).toBe(0);
    },
  );

  it("NACK busy: not resent at once, but retryMs after the NACK", () => {
    const { t, ep } = setup();
    const p = peer();
    ep.send(schedule(1));
    vi.advanceTimersByTime(60);
    t.deliver(p.nack(0, "busy"));
    expect(t.sent).toHaveLength(1);
    vi.advanceTimersByTime(RETRY - 1); // t = 159: the original timeout at 100 was pushed back
    expect(t.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sent).toHaveLength(2);
    expect(ep.stats.retries).toBe(1);
  });

  it("a peer busy for good still ends in a give-up after maxAttempts sends", () => {
    const { t, ep, giveUps } = setup({ maxAttempts: 3 });
    const p = peer();
    ep.send(schedule(1));
    for (let i = 0; i < 10 && giveUps.length === 0; i++) {
      t.deliver(p.nack(0, "busy"));
      vi.advanceTimersByTime(RETRY);
    }
    expect(t.sent).toHaveLength(3);
    expect(giveUps).toHaveLength(1);
  });

  it.each(["version", "type", "range"] as const)("NACK %s: refused for good, given up at once and not resent", (reason) => {
    const { t, ep, giveUps, acked } = setup({ window: 1 });
    const p = peer();
    ep.send(schedule(1));
    ep.send(schedule(2));
    t.deliver(p.nack(0, reason));
    expect(giveUps).toEqual([{ message: schedule(1), reason: `refused by the peer: ${reason}` }]);
    expect(ep.stats.lost).toBe(1);
    expect(acked).toEqual([]);
    // the waiting frame takes the freed slot; the refused one is never sent again
    vi.advanceTimersByTime(RETRY - 1);
    expect(t.decoded().map((f) => [f.seq, (f.message as { taskId: number }).taskId])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(ep.stats.retries).toBe(0);
  });

  it("a NACK for a seq that is not outstanding is ignored", () => {
    const { t, ep, giveUps } = setup();
    const p = peer();
    ep.send(schedule(1));
    t.deliver(p.nack(5, "crc"));
    t.deliver(p.nack(5, "range"));
    expect(t.sent).toHaveLength(1);
    expect(giveUps).toEqual([]);
    expect(ep.pending).toBe(1);
    expect(ep.stats.framesRejected).toBe(0);
  });
});

describe("per-key ordering", () => {
  it("a keyed frame waits for the ACK of the previous one with the same key; other keys pass", () => {
    const { t, ep } = setup();
    const p = peer();
    expect(ep.send(schedule(1, 1), 1)).toBe(0);
    expect(ep.send(schedule(1, 2), 1)).toBe(-1); // task 1 already has a command in flight
    expect(ep.send(schedule(2, 2), 2)).toBe(1);
    expect(ep.send(schedule(3, 2))).toBe(2); // no key: never held by keys
    expect(t.fresh().map((f) => f.message)).toEqual([schedule(1, 1), schedule(2, 2), schedule(3, 2)]);

    t.deliver(p.ack(1)); // task 2's ACK does not release task 1's next command
    t.deliver(p.ack(2));
    expect(t.fresh()).toEqual([]);
    expect(ep.pending).toBe(2);

    t.deliver(p.ack(0));
    expect(t.fresh()).toEqual([{ seq: 3, message: schedule(1, 2) }]);
    expect(ep.pending).toBe(1);
  });

  it("three commands for one key go out one at a time, in the order sent", () => {
    const { t, ep } = setup();
    const p = peer();
    for (const epoch of [1, 2, 3]) ep.send(schedule(7, epoch), "task-7");
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = t.fresh();
      expect(out).toHaveLength(1);
      order.push((out[0]!.message as { epoch: number }).epoch);
      t.deliver(p.ack(out[0]!.seq));
    }
    expect(order).toEqual([1, 2, 3]);
    expect(ep.pending).toBe(0);
  });

  it("a frame blocked by its key does not hold back a later frame of another key when the window frees", () => {
    const { t, ep } = setup({ window: 2 });
    const p = peer();
    ep.send(schedule(1, 1), 1); // seq 0
    ep.send(schedule(2, 1), 2); // seq 1, window now full
    ep.send(schedule(1, 2), 1); // waits: window, then key 1
    ep.send(schedule(3, 1), 3); // waits: window
    t.fresh();
    t.deliver(p.ack(1)); // frees a slot; key 1 is still busy, so task 3 goes first
    expect(t.fresh()).toEqual([{ seq: 2, message: schedule(3, 1) }]);
    t.deliver(p.ack(0));
    expect(t.fresh()).toEqual([{ seq: 3, message: schedule(1, 2) }]);
  });

  it("a frame with several keys waits for all of them, and a later frame sharing one of its keys does not overtake it", () => {
    // the host's hand-over of tiles: task 9's PREEMPT waits behind its own unacknowledged PLACE;
    // task 10's PLACE on task 9's tiles is keyed by both tasks, so it cannot reach the board first
    const { t, ep } = setup();
    const p = peer();
    const preempt9: Message = { type: "preempt", epoch: 2, taskId: 9 };
    ep.send(schedule(9, 1), 9); // seq 0
    ep.send(preempt9, 9); // waits for key 9
    ep.send(schedule(10, 3), [10, 9]); // waits: key 9 busy, and the waiting PREEMPT holds it
    ep.send(schedule(10, 4), 10); // waits: the waiting PLACE of task 10 holds key 10
    ep.send(schedule(11, 5), 11); // nothing shares key 11: goes out at once (seq 1)
    expect(t.fresh().map((f) => f.seq)).toEqual([0, 1]);
    t.deliver(p.ack(0));
    expect(t.fresh()).toEqual([{ seq: 2, message: preempt9 }]);
    t.deliver(p.ack(2));
    expect(t.fresh()).toEqual([{ seq: 3, message: schedule(10, 3) }]);
    t.deliver(p.ack(3));
    expect(t.fresh()).toEqual([{ seq: 4, message: schedule(10, 4) }]);
    expect(ep.pending).toBe(2); // seq 1 and seq 4 still unacknowledged
  });

  it("giving up on a keyed frame releases the next one of that key", () => {
    const { t, ep, giveUps } = setup({ maxAttempts: 1 });
    ep.send(schedule(1, 1), 1);
    ep.send(schedule(1, 2), 1);
    expect(t.fresh().map((f) => f.message)).toEqual([schedule(1, 1)]);
    vi.advanceTimersByTime(RETRY);
    expect(giveUps.map((g) => g.message)).toEqual([schedule(1, 1)]);
    expect(t.fresh()).toEqual([{ seq: 1, message: schedule(1, 2) }]);
  });
});

describe("session", () => {
  it("a new HELLO starts a new session: seq from 0, outstanding frames dropped without a give-up, dedup forgotten", () => {
    const { t, ep, messages, giveUps } = setup();
    ep.send(schedule(1)); // seq 0
    ep.send(schedule(2)); // seq 1
    t.deliver(encodeMessage(arrival(5), 3)); // applied, ACKed with seq 2
    const h1 = encodeMessage(hello(100), 0);
    t.deliver(h1);
    expect(messages.map((m) => m.message.type)).toEqual(["arrival", "hello"]);
    const out = t.fresh();
    expect(out.at(-1)).toEqual({ seq: 0, message: { type: "ack", ackedSeq: 0, epoch: 0 } }); // seq restarted
    expect(ep.pending).toBe(0);
    vi.advanceTimersByTime(20 * RETRY);
    expect(t.fresh()).toEqual([]); // the old commands are not retried
    expect(giveUps).toEqual([]); // ... nor reported as given up
    expect(ep.stats.lost).toBe(0);

    // the seq applied in the old session is a new frame now
    t.deliver(encodeMessage(arrival(5), 3));
    expect(messages).toHaveLength(3);
    expect(ep.stats.duplicates).toBe(0);
  });

  it("a byte-identical HELLO is a retransmission: re-ACKed, not handed over, session kept", () => {
    const { t, ep, messages } = setup();
    const h1 = encodeMessage(hello(100), 0);
    t.deliver(h1);
    ep.send(schedule(1)); // seq 1
    t.fresh();
    t.deliver(h1);
    expect(messages).toHaveLength(1);
    expect(ep.stats.duplicates).toBe(1);
    expect(t.fresh()).toEqual([{ seq: 2, message: { type: "ack", ackedSeq: 0, epoch: 0 } }]);
    expect(ep.pending).toBe(1);
  });

  it("after close nothing is sent, retried or received", () => {
    const { t, ep, messages } = setup();
    ep.send(schedule(1));
    ep.close();
    expect(ep.send(schedule(2))).toBe(-1);
    expect(ep.send(heartbeat(1))).toBe(-1);
    vi.advanceTimersByTime(20 * RETRY);
    t.deliver(encodeMessage(arrival(1), 0));
    expect(t.sent).toHaveLength(1);
    expect(messages).toEqual([]);
    expect(ep.stats.framesReceived).toBe(0);
  });
});

describe("BATCH (protocol 2: the commands of one decision in one frame)", () => {
  const preempt = (taskId: number, epoch: number): Message => ({ type: "preempt", epoch, taskId });
  const batchOf = (...commands: Message[]): Message => ({ type: "batch", commands: commands as never });

  it("is handed over command by command, in order, and ACKed once with one seq; a retransmission is not re-applied", () => {
    const { t, ep, messages } = setup({ side: "board" });
    const frame = encodeMessage(batchOf(preempt(1, 7), schedule(2, 7), preempt(3, 7)), 40);
    t.deliver(frame);
    expect(messages).toEqual([
      { message: preempt(1, 7), seq: 40 },
      { message: schedule(2, 7), seq: 40 },
      { message: preempt(3, 7), seq: 40 },
    ]);
    expect(t.fresh()).toEqual([{ seq: 0, message: { type: "ack", ackedSeq: 40, epoch: 0 } }]);
    t.deliver(frame);
    expect(messages).toHaveLength(3);
    expect(ep.stats.duplicates).toBe(1);
    expect(t.fresh()).toEqual([{ seq: 1, message: { type: "ack", ackedSeq: 40, epoch: 0 } }]);
  });

  it("is one reliable frame for the sender: one send, retried whole, settled (acked or given up) once per command", () => {
    const { t, ep, acked, giveUps } = setup({ maxAttempts: 2 });
    const p = peer();
    ep.send(batchOf(preempt(1, 3), schedule(2, 3)), [1, 2]);
    expect(t.sent.map((s) => s.type)).toEqual(["batch"]);
    vi.advanceTimersByTime(RETRY);
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]!.frame).toEqual(t.sent[0]!.frame); // byte-identical retransmission
    t.deliver(p.ack(0, 3));
    expect(acked.map((a) => a.message)).toEqual([preempt(1, 3), schedule(2, 3)]);
    ep.send(batchOf(preempt(4, 4), preempt(5, 4)), [4, 5]);
    vi.advanceTimersByTime(2 * RETRY);
    expect(giveUps.map((g) => g.message)).toEqual([preempt(4, 4), preempt(5, 4)]);
    expect(ep.stats.lost).toBe(1);
  });

  it("waits until none of the tasks it names has an unacknowledged command", () => {
    const { t, ep } = setup();
    const p = peer();
    ep.send(schedule(2), 2); // seq 0
    ep.send(batchOf(preempt(1, 2), schedule(2, 2)), [1, 2]);
    expect(t.sent.map((s) => s.type)).toEqual(["schedule"]);
    t.deliver(p.ack(0));
    expect(t.sent.map((s) => s.type)).toEqual(["schedule", "batch"]);
  });
});

describe("protocol versions", () => {
  const oldHello = (): Message => ({ ...(hello(5) as MessageOf<"hello">), protocolVersion: 1 });

  it("a HELLO of a protocol-1 board is NACKed (version), never applied nor ACKed, and reported with the board", () => {
    const { t, ep, messages } = setup();
    const seen: Array<[number, string | undefined]> = [];
    ep.on("incompatible", (v, h) => seen.push([v, h?.boardId]));
    t.deliver(encodeMessage(oldHello(), 9));
    expect(messages).toEqual([]);
    expect(t.fresh()).toEqual([{ seq: 0, message: { type: "nack", ackedSeq: 9, reason: "version" } }]);
    expect(seen).toEqual([[1, "unit"]]);
    expect(decodeFrame(encodeMessage(oldHello(), 9)).ok).toBe(true); // the codec reads it; the session refuses it
  });

  it("a protocol-1 command or ACK is refused for its header and reported; commands are NACKed, ACKs never", () => {
    const { t, ep, messages } = setup({ side: "board" });
    const seen: number[] = [];
    ep.on("incompatible", (v) => seen.push(v));
    const v2 = encodeMessage(schedule(3), 12);
    t.deliver(frameBytes(1, MSG.schedule, 12, v2.subarray(6, v2.length - 2)));
    t.deliver(frameBytes(1, MSG.ack, 13, new Uint8Array(6)));
    expect(messages).toEqual([]);
    expect(t.fresh()).toEqual([{ seq: 0, message: { type: "nack", ackedSeq: 12, reason: "version" } }]);
    expect(seen).toEqual([1, 1]);
    expect(ep.stats.framesRejected).toBe(2);
  });
});

describe("two endpoints over the in-process pair", () => {
  /** Wraps a transport and drops the frames `drop` picks (a lost frame on a real link). */
  function lossy(inner: FrameTransport, drop: (frame: Uint8Array) => boolean): FrameTransport & { dropped: number } {
    const w = {
      dropped: 0,
      get stats() {
        return inner.stats;
      },
      describe: `lossy ${inner.describe}`,
      onFrame: (h: (frame: Uint8Array, type?: MessageType) => void) => inner.onFrame(h),
      close: () => inner.close(),
      send(frame: Uint8Array, type: MessageType) {
        if (drop(frame)) w.dropped++;
        else inner.send(frame, type);
      },
    };
    return w;
  }

  it("every command arrives once, per task in order, through a window of 4, with no retry", () => {
    const [h, b] = transportPair();
    const host = new Endpoint(h, { side: "host", retryMs: RETRY, window: 4 });
    const board = new Endpoint(b, { side: "board", retryMs: RETRY });
    const got: Message[] = [];
    board.on("message", (m) => got.push(m));
    let acked = 0;
    host.on("acked", () => acked++);
    const sent: Message[] = [];
    for (let epoch = 1; epoch <= 4; epoch++) {
      for (let task = 0; task < 5; task++) {
        const m = schedule(task, epoch);
        sent.push(m);
        host.send(m, task);
      }
    }
    vi.advanceTimersByTime(RETRY - 1); // delivery is by setImmediate: all of it happens before any retry is due
    expect(acked).toBe(20);
    expect(host.pending).toBe(0);
    expect(host.stats.retries).toBe(0);
    expect(board.stats.duplicates).toBe(0);
    expect(got).toHaveLength(20);
    expect(new Set(got.map((m) => JSON.stringify(m)))).toEqual(new Set(sent.map((m) => JSON.stringify(m))));
    for (let task = 0; task < 5; task++) {
      const epochs = got.filter((m) => m.type === "schedule" && m.taskId === task).map((m) => (m as { epoch: number }).epoch);
      expect(epochs).toEqual([1, 2, 3, 4]);
    }
  });

  it("a lost ACK: the sender retries, the receiver applies once and ACKs again", () => {
    const [h, b] = transportPair();
    let acksSeen = 0;
    const boardLink = lossy(b, (f) => f[1] === MSG.ack && acksSeen++ === 0); // drop the board's first ACK
    const host = new Endpoint(h, { side: "host", retryMs: RETRY });
    const board = new Endpoint(boardLink, { side: "board", retryMs: RETRY });
    const got: Message[] = [];
    board.on("message", (m) => got.push(m));
    const acked: number[] = [];
    host.on("acked", (_m, seq) => acked.push(seq));

    host.send(schedule(1));
    vi.advanceTimersByTime(RETRY - 1);
    expect(got).toEqual([schedule(1)]);
    expect(boardLink.dropped).toBe(1);
    expect(acked).toEqual([]);
    // t = 99 -> 198: the retry goes out at 100, is recognised as a duplicate and ACKed again,
    // before a second retry would be due at 200
    vi.advanceTimersByTime(RETRY - 1);
    expect(host.stats.retries).toBe(1);
    expect(board.stats.duplicates).toBe(1);
    expect(got).toEqual([schedule(1)]);
    expect(acked).toEqual([0]);
    expect(host.pending).toBe(0);
  });
});

describe("a link that comes back", () => {
  it("resends every unacknowledged reliable frame at once, within maxAttempts, and nothing already ACKed", () => {
    const { t, ep, acked } = setup({ maxAttempts: 3 });
    const p = peer();
    ep.send(schedule(1));
    ep.send(schedule(2));
    ep.send(heartbeat(1)); // not reliable: never resent
    expect(t.fresh().map((f) => f.seq)).toEqual([0, 1, 2]);
    t.deliver(p.ack(0));
    expect(acked.map((a) => a.seq)).toEqual([0]);
    vi.advanceTimersByTime(RETRY / 2);
    t.reconnected!(); // the transport says the link is back, half a retry period in
    const again = t.fresh();
    expect(again.map((f) => f.seq)).toEqual([1]);
    expect(again[0]!.message).toEqual(schedule(2));
    expect(ep.stats.retries).toBe(1);
    // its timer starts again from the resend: no second send at the old timer's time
    vi.advanceTimersByTime(RETRY / 2 + 1);
    expect(t.fresh()).toEqual([]);
    vi.advanceTimersByTime(RETRY / 2);
    expect(t.fresh().map((f) => f.seq)).toEqual([1]); // attempt 3 of 3
    t.reconnected!(); // out of attempts: not sent again
    expect(t.fresh()).toEqual([]);
  });
});
