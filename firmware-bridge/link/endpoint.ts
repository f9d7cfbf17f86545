// One side of a protocol session on top of any transport: sequence numbers, ACK with retry,
// duplicates applied once, NACK of frames that fail to decode, and per-key ordering of reliable
// frames (PROTOCOL.md §5). The host runtime and the virtual board each own one.
//
// Typed events, one handler per kind of thing that happens (as MQTT.js does): `message` for
// every decoded message except ACK/NACK (a reliable one is handed over once, then ACKed; a BATCH
// is handed over command by command, in order, and ACKed once), `acked`, `giveUp` (a reliable
// frame that ran out of attempts or was refused for good; for a BATCH, once per command), and
// `incompatible` (a frame of another protocol version: PROTOCOL.md "Versions").

import { EventEmitter } from "node:events";
import {
  type Message,
  type MessageOf,
  type MessageType,
  type NackReason,
  type Side,
  RELIABLE,
  MSG,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeMessage,
} from "../protocol/index.js";
import type { FrameTransport } from "./transport.js";

/** Sends of one reliable frame before it is given up on (EndpointOptions.maxAttempts). */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface EndpointOptions {
  side: Side;
  /** Time to wait for an ACK before sending again (retry.ts: SERIAL_RETRY_MS, MQTT_RETRY_MS). */
  retryMs: number;
  /** Sends of one reliable frame in all (default DEFAULT_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Unacknowledged reliable frames at once (default 16); more wait their turn. */
  window?: number;
  /** Epoch written into ACKs (the host's current controller epoch; the board's 0). */
  ackEpoch?: () => number;
  /** How long a received seq is remembered for de-duplication, ms (default 30,000). */
  dedupTtlMs?: number;
}

export interface LinkStats {
  framesSent: number;
  framesReceived: number;
  /** Frames that failed to decode (CRC, length, type, version, range) or arrived on the wrong topic. */
  framesRejected: number;
  /** Retransmissions of reliable frames. */
  retries: number;
  /** Reliable frames received again and not re-applied. */
  duplicates: number;
  /** Reliable frames given up on (no ACK after every attempt, or refused for good). */
  lost: number;
}

/** What orders reliable frames: frames sharing a key go one at a time, in the order sent. */
export type OrderKey = string | number;

interface Outstanding {
  seq: number;
  message: Message;
  frame: Uint8Array;
  attempts: number;
  timer?: NodeJS.Timeout;
  keys: readonly OrderKey[];
}

interface Queued {
  message: Message;
  keys: readonly OrderKey[];
}

export interface EndpointEvents {
  message: [message: Message, seq: number];
  acked: [message: Message, seq: number];
  /** `unanswered`: no ACK after every attempt (the link, not the peer, gave up). */
  giveUp: [message: Message, reason: string, unanswered: boolean];
  /**
   * The peer speaks protocol `peerVersion`, older than this one: a frame refused for its header
   * version, or (host side) a HELLO whose protocol_version is older, NACKed and not applied.
   */
  incompatible: [peerVersion: number, hello?: MessageOf<"hello">];
}

const NACK_REASON: Record<string, NackReason> = {
  truncated: "truncated",
  length: "length",
  crc: "crc",
  version: "version",
  type: "type",
  range: "range",
};

export class Endpoint extends EventEmitter<EndpointEvents> {
  readonly stats: LinkStats = { framesSent: 0, framesReceived: 0, framesRejected: 0, retries: 0, duplicates: 0, lost: 0 };
  private nextSeq = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly busyKeys = new Set<string | number>();
  private readonly waiting: Queued[] = [];
  private readonly seen = new Map<number, number>();
  private lastHello?: string;
  private closed = false;
  private readonly maxAttempts: number;
  private readonly window: number;
  private readonly ttl: number;

  constructor(
    readonly transport: FrameTransport,
    private readonly opts: EndpointOptions,
  ) {
    super();
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.window = opts.window ?? 16;
    this.ttl = opts.dedupTtlMs ?? 30_000;
    transport.onFrame((frame, type) => this.receive(frame, type));
    transport.onReconnect?.(() => this.resendNow());
  }

  /**
   * The link came back: every unacknowledged reliable frame goes again now, as an attempt of its
   * own (within maxAttempts), instead of at its timer; what was sent during the outage is likely lost.
   */
  resendNow(): void {
    if (this.closed) return;
    for (const o of this.outstanding.values()) if (o.attempts < this.maxAttempts) this.attempt(o);
  }

  /**
   * Sends a message. Reliable ones are retried until ACKed; with a key (or several), a reliable
   * message waits until every earlier one sharing a key is ACKed (the host keys commands by task,
   * so a task never has two unacknowledged commands, and a placement also by the tasks whose
   * pre-emption frees its tiles, so it cannot overtake them). Returns the seq, or -1 when queued.
   */
  send(message: Message, key?: OrderKey | readonly OrderKey[]): number {
    if (this.closed) return -1;
    if (!RELIABLE.has(message.type)) return this.transmit(message);
    const keys: readonly OrderKey[] = key === undefined ? [] : typeof key === "object" ? key : [key];
    if (this.outstanding.size >= this.window || this.blocked(keys, this.waiting.length)) {
      this.waiting.push({ message, keys });
      return -1;
    }
    return this.track(message, keys);
  }

  /** Must a frame with these keys wait: one is unacknowledged, or held by one of the first `before` waiting frames? */
  private blocked(keys: readonly OrderKey[], before: number): boolean {
    if (keys.length === 0) return false;
    if (keys.some((k) => this.busyKeys.has(k))) return true;
    for (let i = 0; i < before; i++) if (this.waiting[i]!.keys.some((k) => keys.includes(k))) return true;
    return false;
  }

  /** Reliable frames not yet ACKed plus those waiting to be sent. */
  get pending(): number {
    return this.outstanding.size + this.waiting.length;
  }

  /** Forgets the session: seq from 0, no outstanding or waiting frames, no de-duplication memory. */
  resetSession(): void {
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
    this.busyKeys.clear();
    this.waiting.length = 0;
    this.seen.clear();
    this.nextSeq = 0;
  }

  close(): void {
    this.closed = true;
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
    this.waiting.length = 0;
  }

  private transmit(message: Message): number {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    this.transport.send(encodeMessage(message, seq), message.type);
    this.stats.framesSent++;
    return seq;
  }

  private track(message: Message, keys: readonly OrderKey[]): number {
    const seq = this.nextSeq;
    const frame = encodeMessage(message, seq);
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    const o: Outstanding = { seq, message, frame, attempts: 0, keys };
    this.outstanding.set(seq, o);
    for (const k of keys) this.busyKeys.add(k);
    this.attempt(o);
    return seq;
  }

  private attempt(o: Outstanding): void {
    if (o.attempts > 0) this.stats.retries++;
    o.attempts++;
    this.transport.send(o.frame, o.message.type);
    this.stats.framesSent++;
    clearTimeout(o.timer);
    o.timer = setTimeout(() => this.expire(o), this.opts.retryMs);
    o.timer.unref?.();
  }

  private expire(o: Outstanding): void {
    if (this.outstanding.get(o.seq) !== o) return;
    if (o.attempts < this.maxAttempts) this.attempt(o);
    else this.finish(o, `no ACK after ${o.attempts} attempts`, true);
  }

  /** Ends an outstanding frame (ACKed, or given up with a reason) and lets waiting frames go. */
  private finish(o: Outstanding, giveUp?: string, unanswered = false): void {
    clearTimeout(o.timer);
    this.outstanding.delete(o.seq);
    for (const k of o.keys) this.busyKeys.delete(k);
    // a BATCH is settled for each of its commands: callers track commands, not frames
    const each = o.message.type === "batch" ? o.message.commands : [o.message];
    if (giveUp) {
      this.stats.lost++;
      for (const m of each) this.emit("giveUp", m, giveUp, unanswered);
    } else for (const m of each) this.emit("acked", m, o.seq);
    this.pump();
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.outstanding.size < this.window; ) {
      const q = this.waiting[i]!;
      if (this.blocked(q.keys, i)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.track(q.message, q.keys);
    }
  }

  private receive(frame: Uint8Array, topicType?: MessageType): void {
    if (this.closed) return;
    this.stats.framesReceived++;
    const r = decodeFrame(frame);
    if (!r.ok) {
      this.stats.framesRejected++;
      if (r.error === "version") this.emit("incompatible", frame[0]!);
      const isAck = r.typeCode === MSG.ack || r.typeCode === MSG.nack;
      if (r.seq !== undefined && !isAck) this.transmit({ type: "nack", ackedSeq: r.seq, reason: NACK_REASON[r.error] ?? "range" });
      return;
    }
    const { seq, message } = r;
    if (topicType !== undefined && topicType !== message.type) {
      // on MQTT the topic names the kind; a frame that disagrees is refused as "type"
      this.stats.framesRejected++;
      if (message.type !== "ack" && message.type !== "nack") this.transmit({ type: "nack", ackedSeq: seq, reason: "type" });
      return;
    }
    if (message.type === "ack") {
      const o = this.outstanding.get(message.ackedSeq);
      if (o) this.finish(o);
      return;
    }
    if (message.type === "nack") {
      const o = this.outstanding.get(message.ackedSeq);
      if (!o) return;
      if (message.reason === "crc" || message.reason === "truncated" || message.reason === "length") {
        // damaged on the way: resend at once, but within maxAttempts like a missing ACK (a link
        // that corrupts every frame must not be resent to forever)
        if (o.attempts < this.maxAttempts) this.attempt(o);
        else this.finish(o, `NACK ${message.reason} after ${o.attempts} attempts`);
      } else if (message.reason === "busy") {
        clearTimeout(o.timer);
        o.timer = setTimeout(() => this.expire(o), this.opts.retryMs);
        o.timer.unref?.();
      } else this.finish(o, `refused by the peer: ${message.reason}`);
      return;
    }
    if (!RELIABLE.has(message.type)) {
      this.emit("message", message, seq);
      return;
    }
    if (message.type === "hello" && message.protocolVersion < PROTOCOL_VERSION) {
      // PROTOCOL.md §6.2: refused for good, never a session (nor an ACK the board could take for one)
      this.transmit({ type: "nack", ackedSeq: seq, reason: "version" });
      this.emit("incompatible", message.protocolVersion, message);
      return;
    }
    if (message.type === "hello") {
      // a HELLO that is not a retransmission of the last one starts a new session (PROTOCOL.md §6)
      const key = Buffer.from(frame).toString("hex");
      if (key !== this.lastHello) {
        this.lastHello = key;
        this.resetSession();
      }
    }
    const now = performance.now();
    const until = this.seen.get(seq);
    if (until !== undefined && until > now) {
      this.stats.duplicates++;
      this.ack(seq);
      return;
    }
    if (message.type === "batch") for (const c of message.commands) this.emit("message", c, seq);
    else this.emit("message", message, seq);
    this.remember(seq, now);
    this.ack(seq);
  }

  private ack(seq: number): void {
    this.transmit({ type: "ack", ackedSeq: seq, epoch: this.opts.ackEpoch?.() ?? 0 });
  }

  private remember(seq: number, now: number): void {
    this.seen.set(seq, now + this.ttl);
    if (this.seen.size > 64) {
      // keep the last 64 (PROTOCOL.md §5.2): Map iterates in insertion order
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
