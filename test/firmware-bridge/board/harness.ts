// A small test-side host for the virtual board: an Endpoint(side "host") on one end of an
// in-process link, a tap that records (and can drop) every frame both ways, and tiny scenarios
// built from the synthetic models of test/support.

import { EventEmitter } from "node:events";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import type { FrameTransport, TransportStats } from "../../../firmware-bridge/link/transport.js";
import { type Message, type MessageOf, type MessageType, decodeFrame } from "../../../firmware-bridge/protocol/index.js";
import {
  VirtualBoard,
  type BoardArrival,
  type BoardScenario,
  type VirtualBoardOptions,
} from "../../../firmware-bridge/board/virtual-board.js";
import { MODELS, profile } from "../../support/synthetic.js";

export interface Seen {
  seq: number;
  message: Message;
  frame: Uint8Array;
}

/** Records decoded frames in both directions; `dropOut` / `dropIn` return true to lose a frame. */
export class Tap implements FrameTransport {
  readonly sent: Seen[] = [];
  readonly received: Seen[] = [];
  readonly events = new EventEmitter();
  dropOut?: (s: Seen) => boolean;
  dropIn?: (s: Seen) => boolean;
  private handler: (frame: Uint8Array) => void = () => {};

  constructor(private readonly inner: FrameTransport) {
    inner.onFrame((frame, type) => {
      const s = see(frame);
      if (s && this.dropIn?.(s)) return;
      if (s) {
        this.received.push(s);
        this.events.emit("in", s);
      }
      this.handler(frame);
      void type;
    });
  }

  send(frame: Uint8Array, type: MessageType): void {
    const s = see(frame);
    if (s && this.dropOut?.(s)) return;
    if (s) this.sent.push(s);
    this.inner.send(frame, type);
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  get stats(): TransportStats {
    return this.inner.stats;
  }

  get describe(): string {
    return `tap(${this.inner.describe})`;
  }
}

function see(frame: Uint8Array): Seen | null {
  const r = decodeFrame(frame);
  return r.ok ? { seq: r.seq, message: r.message, frame: Uint8Array.from(frame) } : null;
}

/** Resolves with the first value `probe` returns that is not undefined, checked now and on every `event`. */
export function waitUntil<T>(
  emitter: EventEmitter,
  event: string,
  probe: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const now = probe();
    if (now !== undefined) return resolve(now);
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = () => {
      const v = probe();
      if (v === undefined) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve(v);
    };
    emitter.on(event, check);
  });
}

export class TestHost {
  readonly ep: Endpoint;
  readonly tap: Tap;
  /** Messages handed over by the endpoint (reliable ones once), in order. */
  readonly log: Array<{ seq: number; message: Message }> = [];
  epoch = 0;

  constructor(transport: FrameTransport, retryMs = 20) {
    this.tap = new Tap(transport);
    this.ep = new Endpoint(this.tap, { side: "host", retryMs, ackEpoch: () => this.epoch });
    this.ep.on("message", (message, seq) => {
      this.log.push({ seq, message });
      this.tap.events.emit("message", message);
    });
  }

  messages<T extends MessageType>(type: T): Array<MessageOf<T>> {
    return this.log.map((e) => e.message).filter((m): m is MessageOf<T> => m.type === type);
  }

  /** The first logged message of `type` matching `pred`, waiting for it. */
  waitFor<T extends MessageType>(type: T, pred: (m: MessageOf<T>) => boolean = () => true, timeoutMs = 2000): Promise<MessageOf<T>> {
    return waitUntil(this.tap.events, "message", () => this.messages(type).find(pred), timeoutMs, `${type}`);
  }

  /** Sends a command with the next epoch (or the one given), keyed by task as the runtime does. */
  command(m: Message & { epoch: number; taskId: number }): number {
    return this.ep.send(m, m.taskId);
  }

  nextEpoch(): number {
    return ++this.epoch;
  }
}

/**
 * A board and a host joined by an in-process link. With `externalFeed` the board's transport also
 * has the external arrivals feed of an MqttTransport opened with externalArrivals; `external`
 * publishes on it.
 */
export function rig(
  opts: Omit<VirtualBoardOptions, "transport" | "retryMs" | "boardId" | "mesh"> & Partial<VirtualBoardOptions>,
  extra: { externalFeed?: boolean } = {},
) {
  const [b, h] = transportPair();
  const boardTap = new Tap(b);
  let feed: (payload: Buffer) => void = () => {};
  const transport = extra.externalFeed
    ? Object.assign(boardTap, { onExternal: (handler: (payload: Buffer) => void) => void (feed = handler) })
    : boardTap;
  const host = new TestHost(h, opts.retryMs ?? 20);
  const board = new VirtualBoard({
    retryMs: 20,
    boardId: "tb1",
    mesh: { width: 8, height: 8 },
    ...opts,
    transport: opts.transport ?? transport,
  });
  const external = (v: unknown) => feed(Buffer.from(typeof v === "string" ? v : JSON.stringify(v)));
  return { board, host, boardTap, external };
}

export interface TinyArrival {
  id: number;
  model: "small" | "medium" | "large";
  /** Scenario time, ns. */
  t?: number;
  frame?: number;
  after?: { model: string; frame: number };
  /** Multiplies every time of the synthetic profile. */
  scale?: number;
  priority?: number;
}

/** A hand-made scenario over the synthetic models (small, medium, large). */
export function tinyScenario(arrivals: TinyArrival[]): BoardScenario {
  const out: BoardArrival[] = arrivals.map((a) => {
    const m = MODELS.find((x) => x.name === a.model)!;
    const iso = m.layerNs.reduce((s, v) => s + v, 0);
    const t = a.t ?? 0;
    const r: BoardArrival = {
      id: a.id,
      model: a.model,
      arrivalNs: t,
      deadlineNs: t + 100 * iso * (a.scale ?? 1),
      priority: a.priority ?? 1,
      profile: profile(m, a.scale ?? 1),
    };
    if (a.frame !== undefined) r.frame = a.frame;
    if (a.after) r.after = a.after;
    return r;
  });
  return { models: MODELS.map((m) => ({ name: m.name })), arrivals: out };
}

/** Whether a promise settles within `ms` (for asserting that something does not happen). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms)))]);
  clearTimeout(timer);
  return r;
}
