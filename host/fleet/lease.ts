// Leases in a JetStream key-value bucket (NATS): one key per board (or per host), its value the
// holder and the wall time until which the lease holds. Every write is conditional on the
// revision the writer last saw (KV create / update with the expected revision: compare-and-set in
// the replicated stream behind the bucket), so two hosts racing for the same board cannot both
// win: exactly one update lands, the other gets "wrong last sequence" and backs off.
//
// Expiry is by the `until` the holder wrote, read against the reader's clock: the classic lease
// (Gray & Cheriton, 1989), which needs the hosts' clocks to agree within a small fraction of the
// lease (one machine here; NTP across machines). A holder renews at a third of the lease, so
// one or two lost renewals do not cost it its boards.
//
// Fencing tokens (Kleppmann, "How to do distributed locking", 2016): time alone cannot stop a
// displaced holder whose frames are still in flight. Each lease also carries `base`, the first
// command epoch its holder may use, and `fence`, an epoch above every one it has used or will use
// before its next renewal. A claim starts at the previous value's fence + 1, and every write is
// conditional on the revision, so each holder's epochs lie above all its predecessors': a board that
// refuses epochs below its current owner's base refuses whatever a displaced owner still sends.
// A release keeps the key (holder "", until 0) so the fence survives it.
//
// Grace after an outage (Chubby's grace period, Burrows 2006: a new master extends every session
// before it expires any). While the bucket does not answer (a broker node died and the stream
// behind the bucket elects a leader: seconds), no holder can renew, so by the clock every lease
// runs out; the first host through afterwards took every board of every host it thought dead (all
// 32 of another host's boards, 4.8 s after a node kill at 64 boards). So a holder that saw the
// bucket fail to answer treats every lease that was live when the bucket last answered it as live
// until one lease after it answers again: a live holder renews in that time, a dead one is taken
// over one lease later than it would have been. Only claims wait longer; nothing is taken sooner.

import type { KV, KvEntry } from "nats";

export interface Lease {
  key: string;
  holder: string;
  /** Epoch ms until which the lease holds. */
  until: number;
  /** The bucket revision of this value (the next conditional write names it). */
  revision: number;
  /** First command epoch of this holder (fencing token). */
  base: number;
  /** Above every epoch this holder has used or will use before it renews: the next holder's base - 1. */
  fence: number;
}

/**
 * Epochs a holder may use between two renewals: a renewal sets the fence this far above the
 * highest epoch used so far. A controller makes at most a few thousand decisions a second per
 * board; 2^16 covers far more than one renewal period.
 */
export const FENCE_HEADROOM = 0x10000;

const enc = new TextEncoder();
const dec = new TextDecoder();

function encode(holder: string, until: number, base: number, fence: number): Uint8Array {
  return enc.encode(JSON.stringify({ holder, until, base, fence }));
}

/** The lease an entry holds; null for a delete, a purge or a value that is not a lease. */
export function leaseOf(e: KvEntry): Lease | null {
  if (e.operation !== "PUT") return null;
  try {
    const v = JSON.parse(dec.decode(e.value)) as { holder?: unknown; until?: unknown; base?: unknown; fence?: unknown };
    if (typeof v.holder !== "string" || typeof v.until !== "number") return null;
    const base = typeof v.base === "number" ? v.base : 0;
    const fence = typeof v.fence === "number" ? v.fence : base;
    return { key: e.key, holder: v.holder, until: v.until, revision: e.revision, base, fence };
  } catch {
    return null;
  }
}

/** A bucket of leases, seen through one holder. */
export class LeaseTable {
  /** What the holder last saw of every key (from its own writes and the bucket's watch). */
  private readonly seen = new Map<string, Lease | { key: string; revision: number; deleted: true }>();
  /** When the bucket last answered this holder (a write, a read or a watched change). */
  private lastAnswer: number;
  /** The bucket stopped answering: leases live at this time (its last answer before) do not expire. */
  private outageFrom?: number;
  /** After an outage: leases live at `from` hold until `until` (one lease after the bucket answered again). */
  private grace?: { from: number; until: number };
  /** The highest revision seen in the bucket (its own writes and the watch). */
  private maxRevision = 0;
  /** Holders known dead: their leases up to this revision count as expired (a later write says it lives). */
  private readonly dead = new Map<string, number>();

  constructor(
    private readonly kv: KV,
    readonly holder: string,
    readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastAnswer = now();
  }

  /**
   * The bucket answered (with `revision`, the highest it has shown so far when that is known): an
   * outage, if one was on, ends and its grace begins.
   */
  private answered(revision = 0): void {
    if (revision > this.maxRevision) this.maxRevision = revision;
    const t = this.now();
    if (this.outageFrom !== undefined) {
      this.grace = { from: this.outageFrom, until: t + this.leaseMs };
      this.outageFrom = undefined;
    }
    this.lastAnswer = t;
  }

  /** A request to the bucket failed for want of an answer (not a lost compare-and-set). */
  private unanswered(): void {
    if (this.outageFrom !== undefined) return;
    // an outage within a grace continues the earlier one: its leases keep their grace
    this.outageFrom = this.grace && this.grace.until > this.now() ? this.grace.from : this.lastAnswer;
  }

  /** True while this holder sees the bucket not answering (no answer since a request went unanswered). */
  get outage(): boolean {
    return this.outageFrom !== undefined;
  }

  /**
   * `holder` is known dead (its process's broker connection dropped: its last will, owner.ts): its
   * leases written so far count as expired at once, not at their `until`. Any later write of its own
   * (a renewal) makes it live again. Safe as a lease's expiry is: a holder wrongly taken for dead
   * loses its keys at its next renewal, and the fencing tokens stop what it sent meanwhile.
   */
  markDead(holder: string): void {
    if (holder !== this.holder) this.dead.set(holder, this.maxRevision);
  }

  /** Until when a lease counts as live for this holder: its `until`, extended through an outage and its grace. */
  private liveUntil(l: Lease): number {
    const deadUpTo = this.dead.get(l.holder);
    if (deadUpTo !== undefined && l.revision <= deadUpTo) return Number.NEGATIVE_INFINITY;
    if (this.outageFrom !== undefined && l.until > this.outageFrom) return Number.POSITIVE_INFINITY;
    if (this.grace && l.until > this.grace.from) return Math.max(l.until, this.grace.until);
    return l.until;
  }

  /** Follows every change of the bucket (other holders' claims, renewals and releases). */
  async follow(onChange?: (key: string, lease: Lease | null) => void): Promise<() => void> {
    const it = await this.kv.watch();
    (async () => {
      for await (const e of it) {
        const l = this.take(e);
        if (l !== undefined) onChange?.(e.key, l);
      }
    })().catch(() => {});
    return () => it.stop();
  }

  /**
   * Keeps what the bucket says of a key (the watch, a read), unless this holder already saw a newer
   * value (its own write got there first: undefined). The lease, or null for a delete or a non-lease.
   */
  private take(e: KvEntry): Lease | null | undefined {
    this.answered(e.revision);
    const prev = this.seen.get(e.key);
    if (prev && prev.revision > e.revision) return undefined;
    const l = leaseOf(e);
    this.seen.set(e.key, l ?? { key: e.key, revision: e.revision, deleted: true });
    return l;
  }

  /**
   * The live lease on `key` (expired or released: undefined). Live through an outage and its grace:
   * its holder, deciding whether to let the key go, reads `until` itself (others may not have seen
   * the outage).
   */
  current(key: string): Lease | undefined {
    const l = this.seen.get(key);
    if (!l || "deleted" in l || this.liveUntil(l) <= this.now()) return undefined;
    return l;
  }

  /** Keys whose lease this holder has and has not let run out (by its own `until`: no grace). */
  held(): string[] {
    const out: string[] = [];
    for (const [k, l] of this.seen) if (!("deleted" in l) && l.holder === this.holder && l.until > this.now()) out.push(k);
    return out;
  }

  /** Live leases per holder (hosts bucket: who is alive; boards bucket: who owns what). */
  holders(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [k, l] of this.seen) {
      if ("deleted" in l || this.liveUntil(l) <= this.now()) continue;
      const list = out.get(l.holder) ?? [];
      list.push(k);
      out.set(l.holder, list);
    }
    return out;
  }

  /**
   * Takes `key` if nobody holds a live lease on it: create when the key never existed (or was
   * deleted), update on the expired value's revision otherwise. False when another holder won.
   */
  async claim(key: string): Promise<boolean> {
    if (this.outageFrom !== undefined && !(await this.probe(key))) return false;
    const prev = this.seen.get(key);
    if (prev && !("deleted" in prev) && this.liveUntil(prev) > this.now() && prev.holder !== this.holder) return false;
    const until = this.now() + this.leaseMs;
    // the epochs of this holding start above every epoch any earlier holder may have used
    const base = (prev && !("deleted" in prev) ? prev.fence : 0) + 1;
    const fence = base + FENCE_HEADROOM;
    try {
      const revision =
        prev === undefined
          ? await this.kv.create(key, encode(this.holder, until, base, fence))
          : await this.kv.update(key, encode(this.holder, until, base, fence), prev.revision);
      this.answered(revision);
      this.seen.set(key, { key, holder: this.holder, until, revision, base, fence });
      return true;
    } catch (err) {
      // someone wrote first (the watch brings their value), or the bucket did not answer
      if (!lostRace(err)) this.unanswered();
      return false;
    }
  }

  /**
   * During an outage, before a claim: reads the key (a cheap request) to learn whether the bucket
   * answers again, so the grace starts before any claim is written. False while it does not.
   */
  private async probe(key: string): Promise<boolean> {
    try {
      const e = await this.kv.get(key);
      if (e) this.take(e);
      else this.answered();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Extends a lease this holder has. "lost": another holder wrote since (the holder must let the
   * key go); "unavailable": the bucket did not answer (a broker node died and the stream is
   * electing a leader): keep the key and try again, nobody else can write meanwhile either.
   */
  async renew(key: string, usedEpoch = 0): Promise<"ok" | "lost" | "unavailable"> {
    const prev = this.seen.get(key);
    if (!prev || "deleted" in prev || prev.holder !== this.holder) return "lost";
    const until = this.now() + this.leaseMs;
    const fence = Math.max(prev.fence, usedEpoch + FENCE_HEADROOM);
    try {
      const revision = await this.kv.update(key, encode(this.holder, until, prev.base, fence), prev.revision);
      this.answered(revision);
      this.seen.set(key, { key, holder: this.holder, until, revision, base: prev.base, fence });
      return "ok";
    } catch (err) {
      if (lostRace(err)) return "lost";
      this.unanswered();
      return "unavailable";
    }
  }

  /**
   * Gives a lease up at once (rebalancing, shutdown), only if it is still ours: holder "" and
   * until 0, the fence kept (above `usedEpoch`) for the next holder.
   */
  async release(key: string, usedEpoch = 0): Promise<void> {
    const prev = this.seen.get(key);
    if (!prev || "deleted" in prev || prev.holder !== this.holder) return;
    const fence = Math.max(prev.fence, usedEpoch + 1);
    try {
      const revision = await this.kv.update(key, encode("", 0, prev.base, fence), prev.revision);
      this.answered(revision);
      this.seen.set(key, { key, holder: "", until: 0, revision, base: prev.base, fence });
    } catch (err) {
      // taken meanwhile: nothing of ours to release
      if (!lostRace(err)) this.unanswered();
    }
  }
}

/** The compare-and-set failed: another holder wrote the key since this one last saw it (the bucket did answer). */
function lostRace(err: unknown): boolean {
  const e = err as { message?: string; api_error?: { err_code?: number } } | undefined;
  // JetStream's error 10071: "wrong last sequence"
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(e?.message ?? "");
}
