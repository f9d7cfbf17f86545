// The external arrivals feed: tasks other services publish as JSON on immsched/<board>/arrivals,
// `{"id": u32, "model": name, "priority"?: 1|3|9, "deadlineMs"?: number >= 0}` (README). The
// host schedules them and the board runs them; both read the message with this one parser, so
// they accept and refuse the same tasks.

export interface ExternalArrival {
  /** Task id, chosen by the publisher. */
  id: number;
  model: string;
  priority?: 1 | 3 | 9;
  /** Relative deadline, ms. */
  deadlineMs?: number;
}

export type ExternalArrivalResult = { ok: true; arrival: ExternalArrival } | { ok: false; reason: string };

/** Largest feed message read (B): a task is a few dozen bytes; anything bigger is refused unread. */
export const MAX_EXTERNAL_ARRIVAL_BYTES = 1024;

export function parseExternalArrival(payload: Uint8Array): ExternalArrivalResult {
  const no = (reason: string): ExternalArrivalResult => ({ ok: false, reason });
  if (payload.length > MAX_EXTERNAL_ARRIVAL_BYTES) return no(`longer than ${MAX_EXTERNAL_ARRIVAL_BYTES} bytes (${payload.length})`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return no("not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return no("not a JSON object");
  const o = v as Record<string, unknown>;
  const id = o.id;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffffffff) return no(`"id" must be an integer in 0..4294967295`);
  if (typeof o.model !== "string") return no(`task ${id}: "model" must be a model name`);
  if (o.priority !== undefined && o.priority !== 1 && o.priority !== 3 && o.priority !== 9)
    return no(`task ${id}: priority must be 1, 3 or 9`);
  if (o.deadlineMs !== undefined && !(typeof o.deadlineMs === "number" && Number.isFinite(o.deadlineMs) && o.deadlineMs >= 0)) {
    return no(`task ${id}: deadlineMs must be a number >= 0`);
  }
  return {
    ok: true,
    arrival: { id, model: o.model, priority: o.priority as 1 | 3 | 9 | undefined, deadlineMs: o.deadlineMs as number | undefined },
  };
}

export interface ArrivalRateOptions {
  /** Arrivals admitted per second, sustained (default 1000). */
  perSecond?: number;
  /** Arrivals admitted at once after a quiet spell (default 100). */
  burst?: number;
}

/**
 * A token bucket over the feed: any client allowed on the topic could otherwise flood the core
 * and the board. `admit` takes the time from the caller (ms), so the host's and the board's
 * clocks both work and tests are exact.
 */
export class ArrivalRateLimit {
  private readonly perMs: number;
  private readonly burst: number;
  private tokens: number;
  private lastMs: number | undefined;

  constructor(opts: ArrivalRateOptions = {}) {
    const perSecond = opts.perSecond ?? 1000;
    this.burst = opts.burst ?? 100;
    if (!(perSecond > 0) || !(this.burst >= 1)) throw new RangeError("arrival rate limit: perSecond must be > 0 and burst >= 1");
    this.perMs = perSecond / 1000;
    this.tokens = this.burst;
  }

  /** True when one more arrival fits the rate at time `nowMs`. */
  admit(nowMs: number): boolean {
    if (this.lastMs !== undefined) this.tokens = Math.min(this.burst, this.tokens + Math.max(0, nowMs - this.lastMs) * this.perMs);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
