// When tasks arrive and by when they must finish, in two recipes from the seed papers, and the
// step that turns arrival specs into the TaskArrivals a run consumes:
//  - XRBench (Kwon et al., MLSys 2023; data/xrbench/README.md): each model runs at its FPS;
//    frame k is injected at k * floor(1000 / FPS) ms and is due at the next frame's injection; a
//    model with a Dependency runs on a frame only after its parent finished that frame (TaskArrival
//    .after) and, when it has a Probability, only on the frames a seeded draw lets through.
//  - Dysta (sparse multi-DNN scheduling): Poisson arrivals at `rate` tasks/s, the model drawn
//    uniformly from a set, priority uniformly from {1, 3, 9}, deadline = arrival + sloMult *
//    isolated latency (sloMult 10 strict .. 100 loose).
// Every task carries a sample seed: its sparsity, hence its actual profile, follows from it.

import { MAX_ARRIVALS } from "./limits.js";
import { type Random, mulberry32 } from "./random.js";
import type { TaskArrival } from "../sim/types.js";
import { InputError } from "../formats/input-error.js";
import type { XrbenchNetwork } from "./xrbench.js";
import { type CompiledModel, sampleTask } from "./profiles.js";
import { hashString } from "./sparsity.js";

/** One arrival before its profile is built. Times are integer ns. */
export interface ArrivalSpec {
  tNs: number;
  model: string;
  priority: number;
  deadlineNs: number;
  frame?: number;
  after?: { model: string; frame: number };
  /** Seed of this task's input sample (its sparsity). */
  sample: number;
}

/** A TaskArrival that remembers its sample seed (so a trace can be saved and replayed exactly). */
export interface WorkloadArrival extends TaskArrival {
  sample: number;
}

export const DYSTA_PRIORITIES: readonly number[] = [1, 3, 9];

/** XRBench's whole-millisecond frame interval of a model. */
export function framePeriodMs(fps: number): number {
  return Math.max(1, Math.floor(1000 / fps));
}

/** A 32-bit seed from a generator. */
export function nextSeed(rand: Random): number {
  return Math.floor(rand() * 4294967296) >>> 0;
}

/**
 * XRBench frames of every network over [0, durationMs). Each network draws from its own stream
 * (seed mixed with its name), so adding a network or lengthening the run does not change the
 * others' draws. A dependent frame whose parent frame was not generated is not generated either.
 */
export function xrbenchArrivals(
  networks: readonly XrbenchNetwork[],
  opts: { durationMs: number; seed: number; priority?: number },
): ArrivalSpec[] {
  // frames are drawn one by one (even those that do not run): bound them before drawing
  const frames = networks.reduce((n, net) => n + Math.ceil(opts.durationMs / framePeriodMs(net.fps)), 0);
  if (!(frames <= MAX_ARRIVALS)) {
    throw new InputError(`${opts.durationMs} ms of these networks' frames is ${frames} frames, more than ${MAX_ARRIVALS}`, {
      field: "durationMs",
    });
  }
  return new XrbenchFrames(networks, opts).until(opts.durationMs);
}

interface NetworkStream {
  net: XrbenchNetwork;
  rand: Random;
  period: number;
  parent?: NetworkStream;
  /** Next frame number to draw. */
  k: number;
  /** Frames generated that a dependent may still ask about. */
  generated: Set<number>;
}

/**
 * XRBench's periodic streams, generated window after window for as long as a run lasts: each
 * `until(endMs)` returns the frames injected before endMs not returned yet, network by network
 * (parents first). The draws are those of one call over the whole window, so a continuous run and
 * the bench over the same window raise the same frames.
 */
export class XrbenchFrames {
  private readonly streams: NetworkStream[] = [];

  constructor(
    networks: readonly XrbenchNetwork[],
    private readonly opts: { seed: number; priority?: number },
  ) {
    const byName = new Map(networks.map((n) => [n.name, n]));
    // parents first, so a dependent can see which parent frames exist
    const order: XrbenchNetwork[] = [];
    const visit = (n: XrbenchNetwork, path: string[]) => {
      if (order.includes(n)) return;
      if (path.includes(n.name)) throw new InputError(`dependency cycle: ${[...path, n.name].join(" -> ")}`);
      const parent = n.dependency !== undefined ? byName.get(n.dependency) : undefined;
      if (n.dependency !== undefined && !parent) throw new InputError(`network ${n.name} depends on unknown network '${n.dependency}'`);
      if (parent) visit(parent, [...path, n.name]);
      order.push(n);
    };
    for (const n of networks) visit(n, []);
    const streams = new Map<string, NetworkStream>();
    for (const net of order) {
      const s: NetworkStream = {
        net,
        rand: mulberry32((opts.seed ^ hashString(net.name)) >>> 0),
        period: framePeriodMs(net.fps),
        parent: net.dependency !== undefined ? streams.get(net.dependency) : undefined,
        k: 0,
        generated: new Set(),
      };
      streams.set(net.name, s);
      this.streams.push(s);
    }
  }

  until(endMs: number): ArrivalSpec[] {
    const out: ArrivalSpec[] = [];
    for (const s of this.streams) {
      for (; s.k * s.period < endMs; s.k++) {
        const k = s.k;
        const runs = s.rand() < s.net.probability; // drawn for every frame, so streams stay aligned
        const sample = nextSeed(s.rand);
        if (!runs) continue;
        let after: ArrivalSpec["after"];
        if (s.parent) {
          const frame = Math.floor((k * s.period) / s.parent.period);
          if (!s.parent.generated.has(frame)) continue;
          after = { model: s.parent.net.name, frame };
        }
        s.generated.add(k);
        out.push({
          tNs: k * s.period * 1e6,
          model: s.net.name,
          priority: this.opts.priority ?? 1,
          deadlineNs: (k + 1) * s.period * 1e6,
          frame: k,
          after,
          sample,
        });
      }
    }
    // a later frame of a dependent (injected at endMs or after) names a parent frame >= floor(endMs / period)
    for (const s of this.streams) {
      const oldest = Math.floor(endMs / s.period);
      for (const f of s.generated) if (f < oldest) s.generated.delete(f);
    }
    return out;
  }
}

export interface DystaOptions {
  /** Mean arrival rate (tasks/s). */
  rate: number;
  /** deadline = arrival + sloMult * isolated latency. */
  sloMult: number;
  /** Arrivals in [0, durationMs) ... */
  durationMs?: number;
  /** ... or exactly this many. */
  count?: number;
  seed: number;
  priorities?: readonly number[];
}

/** The Dysta recipe over `models` (name and isolated latency, ns). */
export function dystaArrivals(models: ReadonlyArray<{ name: string; isolatedNs: number }>, opts: DystaOptions): ArrivalSpec[] {
  const stream = new DystaStream(models, opts);
  if (opts.durationMs === undefined && opts.count === undefined) throw new InputError("the Dysta recipe needs durationMs or count");
  const expected = opts.count ?? (opts.rate * (opts.durationMs ?? 0)) / 1000;
  if (!(expected <= MAX_ARRIVALS)) {
    throw new InputError(`the Dysta recipe would make about ${Math.round(expected)} arrivals, more than ${MAX_ARRIVALS}`, {
      field: "rate",
    });
  }
  const endNs = opts.durationMs === undefined ? Infinity : opts.durationMs * 1e6;
  return stream.until(endNs, opts.count);
}

/**
 * The Dysta recipe as a stream: `until(endNs)` returns the arrivals before endNs not returned yet.
 * The draws are those of one call over the whole window (an arrival's gap is drawn once, and the
 * rest of it only when it falls inside the window), so a continuous run and the bench agree.
 */
export class DystaStream {
  private readonly rand: Random;
  private readonly meanGapNs: number;
  private readonly priorities: readonly number[];
  private t = 0;
  /** Arrival time drawn for the next arrival, not returned yet (it fell after the last window). */
  private nextNs?: number;
  private emitted = 0;

  constructor(
    private readonly models: ReadonlyArray<{ name: string; isolatedNs: number }>,
    private readonly opts: { rate: number; sloMult: number; seed: number; priorities?: readonly number[] },
  ) {
    if (models.length === 0) throw new InputError("the Dysta recipe needs at least one model");
    if (!(opts.rate > 0)) throw new InputError(`rate must be > 0 tasks/s, got ${opts.rate}`, { field: "rate" });
    if (!(opts.sloMult > 0)) throw new InputError(`sloMult must be > 0, got ${opts.sloMult}`, { field: "sloMult" });
    this.priorities = opts.priorities ?? DYSTA_PRIORITIES;
    this.rand = mulberry32(opts.seed >>> 0);
    this.meanGapNs = 1e9 / opts.rate;
  }

  until(endNs: number, count = Infinity): ArrivalSpec[] {
    const out: ArrivalSpec[] = [];
    for (;;) {
      if (this.emitted >= count) break;
      // a Poisson draw can exceed its mean: the bound holds for every window
      if (out.length >= MAX_ARRIVALS) throw new InputError(`the Dysta recipe made more than ${MAX_ARRIVALS} arrivals`, { field: "rate" });
      if (this.nextNs === undefined) {
        this.t += -Math.log(1 - this.rand()) * this.meanGapNs; // exponential gaps: a Poisson process
        this.nextNs = Math.round(this.t);
      }
      const tNs = this.nextNs;
      if (tNs >= endNs) break;
      this.nextNs = undefined;
      const m = this.models[Math.floor(this.rand() * this.models.length)]!;
      const priority = this.priorities[Math.floor(this.rand() * this.priorities.length)]!;
      out.push({
        tNs,
        model: m.name,
        priority,
        deadlineNs: tNs + Math.round(this.opts.sloMult * m.isolatedNs),
        sample: nextSeed(this.rand),
      });
      this.emitted++;
    }
    return out;
  }
}

/**
 * Builds the run's TaskArrivals: sorted by arrival time (stable), ids firstId.. in that order,
 * each with the profile of its own sample.
 */
export function materialize(specs: readonly ArrivalSpec[], models: ReadonlyMap<string, CompiledModel>, firstId = 1): WorkloadArrival[] {
  const order = specs.map((s, i) => ({ s, i })).sort((a, b) => a.s.tNs - b.s.tNs || a.i - b.i);
  return order.map(({ s }, idx): WorkloadArrival => {
    const cm = models.get(s.model);
    if (!cm) throw new InputError(`arrival ${idx} names unknown model '${s.model}'`);
    const sample = sampleTask(cm, s.sample);
    const a: WorkloadArrival = {
      id: idx + firstId,
      model: s.model,
      arrivalNs: s.tNs,
      deadlineNs: s.deadlineNs,
      priority: s.priority,
      isolatedNs: sample.isolatedNs,
      isolatedEnergyPJ: sample.isolatedEnergyPJ,
      profile: sample.profile,
      sample: s.sample,
    };
    if (s.frame !== undefined) a.frame = s.frame;
    if (s.after) a.after = { ...s.after };
    return a;
  });
}
