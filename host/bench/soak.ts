// Soak: a million arrivals in virtual time through the real core (release Wasm, the controller and
// policy) and the board model, the way `immsched bench` runs them, but streamed: arrivals are drawn
// one at a time (the Dysta recipe: Poisson arrivals over the ten XRBench models, priorities 1/3/9,
// deadline = arrival + 10 x isolated latency) and a task's state is forgotten once it ended, so
// what grows, if anything, is the runtime's. Prints RSS, V8 heap and Wasm memory at the start
// and every tenth of the run (after a full GC when node runs with --expose-gc), and the decision
// latency of the first and the last 10 % of arrivals.
//
//   npm run bench:soak [-- --arrivals N --rate R --policy P --seed S]

import { parseArgs } from "node:util";
import { Controller, type PolicyName } from "../core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";
import { EventHeap } from "../../firmware-bridge/board/event-heap.js";
import { SpatialMachine, TemporalMachine, type Machine } from "../../firmware-bridge/board/machine.js";
import { SPATIAL_POLICIES } from "../core/controller.js";
import { loadScenario } from "../workloads/scenario.js";
import { sampleTask, type CompiledModel } from "../workloads/profiles.js";
import { mulberry32 } from "../workloads/random.js";
import { machineLine } from "./machine.js";

export interface SoakOptions {
  arrivals: number;
  /** Mean arrival rate, tasks per second of virtual time. */
  rate: number;
  policy: PolicyName;
  seed: number;
  /** Virtual ns one unit of core work costs (immsched bench's default). */
  nsPerWork?: number;
  /** Memory samples: at the start and after every `arrivals / samples` arrivals. */
  samples?: number;
  /** Called with each memory sample as it is taken (the script prints them live). */
  onSample?: (s: MemorySample) => void;
}

export interface MemorySample {
  arrivals: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap committed (used + free space it keeps). */
  heapTotalBytes: number;
  /** Memory outside the V8 heap that V8 accounts for (ArrayBuffers: the Wasm memory among them). */
  externalBytes: number;
  wasmBytes: number;
  /** Tasks open at that moment (arrived, neither finished nor dropped); the last sample is taken once all drained. */
  open: number;
}

export interface SoakResult {
  samples: MemorySample[];
  completed: number;
  late: number;
  dropped: number;
  /** Arrivals that never ended (must be 0). */
  lost: number;
  /** Decision latency of arrivals (wall µs of the core call) and its work, first and last 10 % of arrivals. */
  first: LatencyFigures;
  last: LatencyFigures;
  virtualSeconds: number;
  wallSeconds: number;
  gcForced: boolean;
}

export interface LatencyFigures {
  p50Micros: number;
  p99Micros: number;
  p50Work: number;
  p99Work: number;
}

const PRIORITIES = [1, 3, 9] as const;
const SLO_MULT = 10;
const board = { mesh: { width: 8, height: 8, torus: false } };

type Queued = { commands: Command[] };

/** Runs the soak; everything it measures is in the result. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const nsPerWork = o.nsPerWork ?? 5;
  const samples = o.samples ?? 10;
  // the ten XRBench models as the Dysta recipe uses them (a tiny window: only the models are needed)
  const scenario = loadScenario("dysta", { seed: o.seed, board, durationMs: 1, rate: 1 });
  const compiled: CompiledModel[] = scenario.compiled;
  const ctl = await Controller.create({ board, policy: o.policy, models: scenario.models, seed: o.seed });
  const machine: Machine = SPATIAL_POLICIES.has(o.policy) ? new SpatialMachine(64) : new TemporalMachine();
  const deliveries = new EventHeap<Queued>();
  const open = new Map<number, number>(); // task id -> deadline, while it is open
  // the latency log is written once per arrival: touched now, so its pages are in the first sample's RSS
  const micros = new Float64Array(o.arrivals).fill(-1);
  const work = new Float64Array(o.arrivals).fill(-1);
  const rand = mulberry32(o.seed);
  const meanGapNs = 1e9 / o.rate;

  let completed = 0;
  let late = 0;
  let dropped = 0;
  let arrived = 0;
  let coreFreeAt = 0;
  let nextArrivalNs = -Math.log(1 - rand()) * meanGapNs;
  let now = 0;
  const out: MemorySample[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    const m = process.memoryUsage();
    const s = {
      arrivals: arrived,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      heapTotalBytes: m.heapTotal,
      externalBytes: m.external,
      wasmBytes: ctl.memoryBytes,
      open: open.size,
    };
    out.push(s);
    o.onSample?.(s);
  };
  const every = Math.max(1, Math.floor(o.arrivals / samples));

  const decided = (d: { commands: Command[]; work: number; micros: number }, at: number) => {
    coreFreeAt = at + d.work * nsPerWork;
    if (d.commands.length > 0) deliveries.push(coreFreeAt, { commands: d.commands });
  };
  const apply = (cmd: Command, t: number) => {
    if (cmd.kind === "drop" && open.delete(cmd.taskId)) dropped++;
    machine.apply(cmd, t);
  };

  const t0 = performance.now();
  sample();
  for (;;) {
    const tBoard = machine.nextTime();
    const tDeliver = deliveries.peekTime();
    const tArrival = arrived < o.arrivals ? nextArrivalNs : Infinity;
    const t = Math.min(tBoard, tDeliver, tArrival);
    if (t === Infinity) break;
    now = t;
    if (tBoard === t) {
      // board events first on equal times, as simulate.ts
      const e = machine.pop()!;
      const at = Math.max(e.time, coreFreeAt);
      if (e.kind === "stage") decided(ctl.stageDone(e.taskId, e.stage, e.measuredNs, at), at);
      else {
        const deadline = open.get(e.taskId);
        if (deadline !== undefined) {
          open.delete(e.taskId);
          completed++;
          if (e.time > deadline) late++;
        }
        decided(ctl.taskDone(e.taskId, at), at);
      }
    } else if (tDeliver === t) {
      for (const cmd of deliveries.pop()!.value.commands) apply(cmd, t);
    } else {
      const id = ++arrived;
      const cm = compiled[Math.floor(rand() * compiled.length)]!;
      const priority = PRIORITIES[Math.floor(rand() * PRIORITIES.length)]!;
      const arrivalNs = Math.round(nextArrivalNs);
      const deadlineNs = arrivalNs + Math.round(SLO_MULT * cm.entry.isolatedNs);
      const { profile } = sampleTask(cm, Math.floor(rand() * 4294967296) >>> 0);
      machine.admit(id, profile);
      open.set(id, deadlineNs);
      const at = Math.max(arrivalNs, coreFreeAt);
      const d = ctl.arrival({ id, model: cm.entry.name, priority, arrivalNs, deadlineNs }, at);
      micros[id - 1] = d.micros;
      work[id - 1] = d.work;
      decided(d, at);
      nextArrivalNs += -Math.log(1 - rand()) * meanGapNs;
      if (arrived % every === 0 && arrived < o.arrivals) sample();
    }
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  sample(); // the end: every task drained
  const tenth = Math.max(1, Math.floor(o.arrivals / 10));
  return {
    samples: out,
    completed,
    late,
    dropped,
    lost: open.size,
    first: figures(micros.subarray(0, tenth), work.subarray(0, tenth)),
    last: figures(micros.subarray(o.arrivals - tenth), work.subarray(o.arrivals - tenth)),
    virtualSeconds: now / 1e9,
    wallSeconds,
    gcForced: gc !== undefined,
  };
}

function figures(micros: Float64Array, work: Float64Array): LatencyFigures {
  const q = (xs: Float64Array, p: number) => {
    const s = Float64Array.from(xs).sort();
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  };
  return { p50Micros: q(micros, 50), p99Micros: q(micros, 99), p50Work: q(work, 50), p99Work: q(work, 99) };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const pct = (a: number, b: number) => `${b >= a ? "+" : ""}${((100 * (b - a)) / a).toFixed(1)} %`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arrivals: { type: "string", default: "1000000" },
      rate: { type: "string", default: "100" },
      policy: { type: "string", default: "immsched" },
      seed: { type: "string", default: "1" },
    },
  });
  const arrivals = Number(values.arrivals);
  const rate = Number(values.rate);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(arrivals) || arrivals < 10) throw new Error(`--arrivals must be an integer >= 10, got ${values.arrivals}`);
  if (!(rate > 0)) throw new Error(`--rate must be > 0, got ${values.rate}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be an integer >= 0, got ${values.seed}`);
  console.log(`# soak: ${arrivals} arrivals at ${rate}/s (Dysta recipe, virtual time), policy ${values.policy}, seed ${seed}`);
  console.log(`machine: ${machineLine()}`);
  console.log("| arrivals | RSS MiB | V8 heap used MiB | V8 heap committed MiB | external MiB | Wasm memory bytes | open tasks |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  const r = await runSoak({
    arrivals,
    rate,
    policy: values.policy as PolicyName,
    seed,
    onSample: (s) =>
      console.log(
        `| ${s.arrivals} | ${mib(s.rssBytes)} | ${mib(s.heapUsedBytes)} | ${mib(s.heapTotalBytes)} | ${mib(s.externalBytes)} | ${s.wasmBytes} | ${s.open} |`,
      ),
  });
  const start = r.samples[0]!;
  const warm = r.samples[1] ?? start;
  const end = r.samples[r.samples.length - 1]!;
  console.log("");
  if (!r.gcForced) console.log("(run node with --expose-gc for samples after a full GC: npm run bench:soak does)");
  console.log(
    `tasks: ${arrivals} arrived · ${r.completed} completed (${r.late} late) · ${r.dropped} dropped · ${r.lost} lost · ` +
      `${r.virtualSeconds.toFixed(0)} s of virtual time in ${r.wallSeconds.toFixed(1)} s wall`,
  );
  console.log(
    `memory start -> end: RSS ${mib(start.rssBytes)} -> ${mib(end.rssBytes)} MiB (${pct(start.rssBytes, end.rssBytes)}; ` +
      `from the first tenth ${mib(warm.rssBytes)} MiB: ${pct(warm.rssBytes, end.rssBytes)}) · ` +
      `V8 heap ${mib(start.heapUsedBytes)} -> ${mib(end.heapUsedBytes)} MiB (${pct(start.heapUsedBytes, end.heapUsedBytes)}) · ` +
      `Wasm ${start.wasmBytes} -> ${end.wasmBytes} bytes (${pct(start.wasmBytes, end.wasmBytes)})`,
  );
  const f = r.first;
  const l = r.last;
  console.log(
    `decision latency (arrival -> commands, wall µs of the core call) first 10 %: p50 ${f.p50Micros.toFixed(1)} p99 ${f.p99Micros.toFixed(1)} · ` +
      `last 10 %: p50 ${l.p50Micros.toFixed(1)} p99 ${l.p99Micros.toFixed(1)} · work p50/p99 first ${f.p50Work}/${f.p99Work}, last ${l.p50Work}/${l.p99Work}`,
  );
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e) => {
    console.error(`bench:soak: ${(e as Error).message}`);
    process.exitCode = 2;
  });
}
