// Fault injection on a link: a FrameTransport wrapped so that frames, both ways, are dropped,
// corrupted (one byte changed), sent twice or held back, at the rates `immsched board --faults`
// asks for; the board also resets after a while (board.ts calls VirtualBoard.reset). A seeded PRNG
// (mulberry32) draws every fault, so a run with the same seed injects the same faults in the same
// frame positions. Every fault is counted here; the receiving side counts what it saw (CRC rejects,
// duplicates, retries, new sessions), so the two can be set side by side.

import type { MessageType } from "../protocol/index.js";
import type { FrameTransport, TransportStats } from "./transport.js";

export interface FaultSpec {
  /** Probability that a frame is lost. */
  drop: number;
  /** Probability that one byte of a frame is changed (the receiver's CRC check must catch it). */
  corrupt: number;
  /** Probability that a frame is delivered twice. */
  dup: number;
  /** Each frame is held a uniform 0..delayMs before it goes on (frames may overtake each other). */
  delayMs: number;
  /** The board resets (a new HELLO, every task it held aborted) this many wall seconds after start. */
  resetAfterS?: number;
  /** Seed of the fault draws (default: the board's workload seed). */
  seed?: number;
}

export interface FaultCounts {
  dropped: number;
  corrupted: number;
  duplicated: number;
  delayed: number;
}

/** What was injected, per direction: `tx` the frames this side sent, `rx` the frames it received. */
export interface InjectedFaults {
  tx: FaultCounts;
  rx: FaultCounts;
  resets: number;
}

const KEYS = ["drop", "corrupt", "dup", "delay", "reset-after", "seed"] as const;
/** Longest hold a frame may get: a minute is already past every retry budget. */
const MAX_DELAY_MS = 60_000;

/**
 * Parses `drop=P,corrupt=P,dup=P,delay=MS,reset-after=SEC[,seed=N]` (any subset, any order).
 * P is a probability in 0..1 or a percentage (`5%`); drop + corrupt + dup must not exceed 1.
 * Throws a RangeError naming the key and the value.
 */
export function parseFaults(text: string): FaultSpec {
  const spec: FaultSpec = { drop: 0, corrupt: 0, dup: 0, delayMs: 0 };
  const seen = new Set<string>();
  if (text.trim() === "") throw new RangeError(`--faults: empty; expected e.g. drop=0.05,corrupt=0.05,dup=0.05,delay=20,reset-after=5`);
  for (const part of text.split(",")) {
    const m = /^\s*([a-z-]+)\s*=\s*(\S+?)\s*$/.exec(part);
    if (!m) throw new RangeError(`--faults: "${part.trim()}" is not KEY=VALUE (keys: ${KEYS.join(", ")})`);
    const key = m[1]!;
    const raw = m[2]!;
    if (!(KEYS as readonly string[]).includes(key)) throw new RangeError(`--faults: unknown fault "${key}" (known: ${KEYS.join(", ")})`);
    if (seen.has(key)) throw new RangeError(`--faults: "${key}" given twice`);
    seen.add(key);
    switch (key) {
      case "drop":
      case "corrupt":
      case "dup":
        spec[key] = probability(key, raw);
        break;
      case "delay":
        spec.delayMs = bounded(key, raw, MAX_DELAY_MS, "milliseconds");
        break;
      case "reset-after":
        spec.resetAfterS = bounded(key, raw, 86_400, "seconds");
        if (spec.resetAfterS === 0) throw new RangeError(`--faults: reset-after must be > 0 seconds, got "${raw}"`);
        break;
      case "seed": {
        const n = Number(raw);
        if (!/^\d+$/.test(raw) || n > 0xffffffff) throw new RangeError(`--faults: seed must be an integer in 0..4294967295, got "${raw}"`);
        spec.seed = n;
        break;
      }
    }
  }
  if (spec.drop + spec.corrupt + spec.dup > 1)
    throw new RangeError(`--faults: drop + corrupt + dup must not exceed 1, got ${spec.drop + spec.corrupt + spec.dup}`);
  return spec;
}

function probability(key: string, raw: string): number {
  const pct = raw.endsWith("%");
  const n = Number(pct ? raw.slice(0, -1) : raw);
  const p = pct ? n / 100 : n;
  if (raw === "" || raw === "%" || !Number.isFinite(p) || p < 0 || p > 1)
    throw new RangeError(`--faults: ${key} must be a probability in 0..1 or a percentage like 5%, got "${raw}"`);
  return p;
}

function bounded(key: string, raw: string, max: number, unit: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new RangeError(`--faults: ${key} must be 0..${max} ${unit}, got "${raw}"`);
  return n;
}

/** The spec as `--faults` takes it, for logs and summaries. */
export function describeFaults(s: FaultSpec): string {
  const parts = [`drop=${s.drop}`, `corrupt=${s.corrupt}`, `dup=${s.dup}`, `delay=${s.delayMs}`];
  if (s.resetAfterS !== undefined) parts.push(`reset-after=${s.resetAfterS}`);
  return parts.join(",");
}

/** mulberry32 (Tommy Ettinger's 32-bit PRNG): small, seedable, good enough for fault draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zero = (): FaultCounts => ({ dropped: 0, corrupted: 0, duplicated: 0, delayed: 0 });

/** A transport that injects the faults of `spec` into every frame it sends and receives. */
export class FaultyTransport implements FrameTransport {
  readonly injected: InjectedFaults = { tx: zero(), rx: zero(), resets: 0 };
  readonly describe: string;
  private readonly rand: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly inner: FrameTransport,
    readonly spec: FaultSpec,
    seed = spec.seed ?? 1,
  ) {
    this.rand = mulberry32(seed);
    this.describe = `${inner.describe} · faults ${describeFaults(spec)}`;
    if (inner.onStatus) this.onStatus = (h) => inner.onStatus!(h);
    // the JSON feed is another service's channel, not the board link: passed through untouched
    if (inner.onExternal) this.onExternal = (h) => inner.onExternal!(h);
    if (inner.drain) this.drain = () => inner.drain!();
  }

  onStatus?: FrameTransport["onStatus"];
  onExternal?: FrameTransport["onExternal"];
  drain?: FrameTransport["drain"];

  get stats(): TransportStats {
    return this.inner.stats;
  }

  send(frame: Uint8Array, type: MessageType): void {
    this.inject(frame, this.injected.tx, (f) => this.inner.send(f, type));
  }

  onFrame(handler: (frame: Uint8Array, type?: MessageType) => void): void {
    this.inner.onFrame((frame, type) => this.inject(frame, this.injected.rx, (f) => handler(f, type)));
  }

  /** Counts a board reset (VirtualBoard.reset does the resetting). */
  noteReset(): void {
    this.injected.resets++;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.inner.close();
  }

  /** One frame through the faults: at most one of drop / corrupt / dup, then the delay. */
  private inject(frame: Uint8Array, count: FaultCounts, deliver: (f: Uint8Array) => void): void {
    if (this.closed) return;
    const { drop, corrupt, dup } = this.spec;
    const r = this.rand();
    if (r < drop) {
      count.dropped++;
      return;
    }
    let out = frame;
    let copies = 1;
    if (r < drop + corrupt) {
      count.corrupted++;
      out = frame.slice();
      const at = Math.floor(this.rand() * out.length);
      out[at] = out[at]! ^ (1 + Math.floor(this.rand() * 255)); // never 0: the byte always changes
    } else if (r < drop + corrupt + dup) {
      count.duplicated++;
      copies = 2;
    }
    for (let i = 0; i < copies; i++) this.later(() => deliver(out), count);
  }

  private later(fn: () => void, count: FaultCounts): void {
    if (this.spec.delayMs <= 0) {
      fn();
      return;
    }
    const ms = this.rand() * this.spec.delayMs;
    count.delayed++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }
}
