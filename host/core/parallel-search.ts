// Parallel search (issue 11, "particles in parallel"): IMMSched runs its particle groups on
// parallel units; here each group is a search in a core instance of its own, on worker threads,
// one per core by default: group 0 the exact search (as `auto` pairs it with the particles on one
// core), the others particle swarms, each with its own seed.
//
// Why not one shared Wasm memory: the core keeps every buffer at a fixed address (StaticArray,
// allocated once at start-up), so two instances on one memory would write over each other. Each
// group has its own instance of the release module on its own memory; the threads share only a
// small SharedArrayBuffer through which the host hands out rounds and reads answers, with
// Atomics.wait / notify (a round trip costs microseconds where a postMessage costs tens).
//
// Determinism: the answer depends on the seed, the group count and the slice, never on the number
// of workers or on timing. Every group runs in rounds of `slice` work units, going on where it
// stopped (the core's SOLVER_MORE). After each round the answer is that of the lowest-numbered
// group that settled: the exact search's placement or proof first, then the swarms' placements in
// group order (a proof before search settles every group at once). With fewer workers than groups
// a worker runs its groups in turn, so one worker gives the same answer as two.

import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Pattern, Target } from "../formats/graphs.js";
import { DEFAULT_BUDGET, DEFAULT_PARTICLES, PROOFS_ALL } from "./core.js";
import { CMD, CTL, GROUP_WORDS, MAX_GROUPS, resultOffset } from "./search-rounds.js";

export interface ParallelSearchOptions {
  /** Worker threads (default: one per core, at most the group count). */
  workers?: number;
  /** Search groups (default 4, 1..MAX_GROUPS): group 0 the exact search, the others particle swarms. */
  groups?: number;
  /** Work units of each group per round (default 4,096). */
  slice?: number;
}

export interface ParallelSolveOptions {
  /** Work units each group may spend over all its rounds (default DEFAULT_BUDGET). */
  budget?: number;
  /** Seed of the search (default 1): the same seed gives the same answer with any worker count. */
  seed?: number;
  /** Particles per swarm, 1..16 (default DEFAULT_PARTICLES). */
  particles?: number;
  /** Proofs and filters, a mask of PROOFS bits (default PROOFS_ALL). */
  proofs?: number;
}

export interface ParallelResult {
  found: boolean;
  /** True for a placement or a proof that none exists. */
  complete: boolean;
  mapping: number[] | null;
  /** Work of every group in every round, summed. */
  work: number;
  /** Work along the slowest worker of each round, summed: the rounds' length when the workers run at once. */
  spanWork: number;
  /** Each round's work per group (spanFor projects spanWork onto any worker count from it). */
  roundWork: number[][];
  rounds: number;
  /** The group whose answer this is (-1 when the budget ran out). */
  group: number;
  /** Wall time of the solve, in microseconds. */
  micros: number;
}

const DEFAULT_GROUPS = 4;
const DEFAULT_SLICE = 4096;
/** Bytes for the instance (target and pattern as JSON) handed to the workers. */
const INSTANCE_BYTES = 1 << 20;
/** A worker that does not answer a round within this long is taken for dead. */
const ROUND_TIMEOUT_MS = 60_000;

export class ParallelSearch {
  private readonly ctl: Int32Array;
  private readonly instance: Uint8Array;
  private readonly workers: Worker[] = [];
  private readonly failures: string[] = [];
  private closed = false;
  /** The instance the workers hold (its JSON), or undefined. */
  private loaded: string | undefined;

  private constructor(
    readonly groups: number,
    readonly slice: number,
    workerCount: number,
  ) {
    this.ctl = new Int32Array(new SharedArrayBuffer(4 * (CTL.RESULTS + MAX_GROUPS * GROUP_WORDS)));
    this.instance = new Uint8Array(new SharedArrayBuffer(INSTANCE_BYTES));
    const entry = fileURLToPath(new URL("./search-worker.js", import.meta.url));
    for (let k = 0; k < workerCount; k++) {
      const worker = new Worker(entry, {
        workerData: { ctl: this.ctl, instance: this.instance, index: k, workers: workerCount, groups },
      });
      worker.on("error", (err) => this.failures.push(`worker ${k}: ${err.message}`));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Starts the workers; each loads the release core before it answers its first round. */
  static start(opts: ParallelSearchOptions = {}): ParallelSearch {
    const groups = opts.groups ?? DEFAULT_GROUPS;
    const slice = opts.slice ?? DEFAULT_SLICE;
    if (!Number.isInteger(groups) || groups < 1 || groups > MAX_GROUPS)
      throw new Error(`groups must be an integer in 1..${MAX_GROUPS}, got ${groups}`);
    if (!Number.isSafeInteger(slice) || slice < 1) throw new Error(`slice must be a positive integer, got ${slice}`);
    const workers = opts.workers ?? Math.min(availableParallelism(), groups);
    if (!Number.isInteger(workers) || workers < 1 || workers > groups)
      throw new Error(`workers must be an integer in 1..${groups} (the group count), got ${workers}`);
    return new ParallelSearch(groups, slice, workers);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Places `pattern` on `target` with the search groups; throws on bad input or a failed worker. */
  solve(target: Target, pattern: Pattern, opts: ParallelSolveOptions = {}): ParallelResult {
    if (this.closed) throw new Error("parallel search: solve after close");
    const budget = opts.budget ?? DEFAULT_BUDGET;
    const seed = opts.seed ?? 1;
    const particles = opts.particles ?? DEFAULT_PARTICLES;
    const proofs = opts.proofs ?? PROOFS_ALL;
    if (!Number.isInteger(budget) || budget < 1 || budget > 0x7fffffff)
      throw new Error(`budget must be an integer in 1..2^31-1, got ${budget}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in 0..2^32-1, got ${seed}`);
    const t0 = process.hrtime.bigint();
    // the workers keep the last instance loaded: the same one again costs no load
    const text = JSON.stringify({ target, pattern, particles, proofs });
    if (text !== this.loaded) {
      const json = new TextEncoder().encode(text);
      if (json.length > INSTANCE_BYTES)
        throw new Error(`parallel search: the instance takes ${json.length} bytes, more than ${INSTANCE_BYTES}`);
      this.loaded = undefined;
      this.instance.set(json);
      Atomics.store(this.ctl, CTL.INSTANCE_BYTES, json.length);
      this.command(CMD.LOAD);
      this.loaded = text;
    }
    let work = 0;
    let spent = 0;
    Atomics.store(this.ctl, CTL.SEED, seed | 0);
    const roundWork: number[][] = [];
    for (let round = 0; spent < budget; round++) {
      const roundBudget = Math.min(this.slice, budget - spent);
      spent += roundBudget;
      Atomics.store(this.ctl, CTL.ROUND, round);
      Atomics.store(this.ctl, CTL.ROUND_BUDGET, roundBudget);
      this.command(CMD.ROUND);
      const works: number[] = [];
      let answer = -1;
      for (let g = 0; g < this.groups; g++) {
        const at = resultOffset(g);
        works.push(Atomics.load(this.ctl, at + 2));
        if (answer < 0 && Atomics.load(this.ctl, at + 1) === 1) answer = g;
      }
      roundWork.push(works);
      work += works.reduce((a, b) => a + b, 0);
      if (answer >= 0) {
        const at = resultOffset(answer);
        const found = Atomics.load(this.ctl, at) === 1;
        const mapping = found ? Array.from(this.ctl.subarray(at + 3, at + 3 + pattern.nodes)) : null;
        const spanWork = spanFor(roundWork, this.workers.length);
        return { found, complete: true, mapping, work, spanWork, roundWork, rounds: round + 1, group: answer, micros: elapsed(t0) };
      }
    }
    const spanWork = spanFor(roundWork, this.workers.length);
    return {
      found: false,
      complete: false,
      mapping: null,
      work,
      spanWork,
      roundWork,
      rounds: roundWork.length,
      group: -1,
      micros: elapsed(t0),
    };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Hands every worker the command and waits until each has done it (or failed). */
  private command(kind: number): void {
    Atomics.store(this.ctl, CTL.DONE, 0);
    Atomics.store(this.ctl, CTL.FAILED, 0);
    Atomics.store(this.ctl, CTL.KIND, kind);
    Atomics.add(this.ctl, CTL.SEQ, 1);
    Atomics.notify(this.ctl, CTL.SEQ);
    const deadline = Date.now() + ROUND_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.ctl, CTL.DONE);
      if (done >= this.workers.length) break;
      if (Date.now() > deadline)
        throw new Error(`parallel search: a worker did not answer within ${ROUND_TIMEOUT_MS} ms${this.failureText()}`);
      Atomics.wait(this.ctl, CTL.DONE, done, 50);
    }
    const failed = Atomics.load(this.ctl, CTL.FAILED);
    if (failed !== 0) {
      const text = new TextDecoder().decode(this.instance.slice(0, Atomics.load(this.ctl, CTL.ERROR_BYTES)));
      throw new Error(`parallel search: ${text}`);
    }
  }

  private failureText(): string {
    return this.failures.length ? ` (${this.failures.join("; ")})` : "";
  }
}

/**
 * Work along the slowest of `workers` workers, summed over the rounds (group g runs on worker
 * g mod workers): the length of the search when the workers run at once, for any worker count.
 */
export function spanFor(roundWork: number[][], workers: number): number {
  let span = 0;
  for (const works of roundWork) {
    const per = new Array<number>(workers).fill(0);
    for (const [g, w] of works.entries()) per[g % workers]! += w;
    span += Math.max(...per);
  }
  return span;
}

function elapsed(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1000;
}
