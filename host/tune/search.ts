// Automated settings search with the simulator in the loop (`immsched tune`): a (1+lambda)
// evolution strategy with Rechenberg's 1/5 success rule (Rechenberg 1973; Beyer & Schwefel,
// "Evolution strategies: a comprehensive introduction", Natural Computing 2002, sec. 4):
//   - the knobs that act under the policy are coordinates in [0, 1] (log scale for the ones that
//     span decades), the parent starts at the defaults;
//   - each generation draws lambda children, parent + N(0, sigma^2) per coordinate, clipped;
//   - the best child replaces the parent only if its loss is lower (ties keep the parent, so a
//     flat landscape never drifts away from the defaults);
//   - sigma grows by 1.22 after a generation where more than 1/5 of the children beat the parent
//     and shrinks by 1.22 otherwise.
// The loss of a setting is the mean over the training runs of violation rate + (100 - XRBench
// score) / 100: missed frames first, then the score (energy and lateness within the deadline).
// Everything is drawn from the seed: the same call finds the same settings.

import { type ControllerParams, DEFAULT_PARAMS, type PolicyName, SPATIAL_POLICIES } from "../core/controller.js";
import { type BenchSpec, runBench } from "../bench/policy-bench.js";
import { mulberry32, type Random } from "../workloads/random.js";
import type { Outcome } from "./settings.js";

/** What a search may change: the core's knobs and the per-solve work budget. */
export interface Setting {
  params: Required<ControllerParams>;
  solveBudget: number;
}

export const DEFAULT_SOLVE_BUDGET = 200_000;
export const DEFAULT_SETTING: Setting = { params: { ...DEFAULT_PARAMS }, solveBudget: DEFAULT_SOLVE_BUDGET };

interface Dimension {
  name: string;
  /** Value of coordinate x in [0, 1], and back. */
  from(x: number): number;
  to(v: number): number;
  get(s: Setting): number;
  set(s: Setting, v: number): void;
}

const linear = (lo: number, hi: number) => ({ from: (x: number) => lo + x * (hi - lo), to: (v: number) => (v - lo) / (hi - lo) });
const logScale = (lo: number, hi: number) => ({
  from: (x: number) => lo * (hi / lo) ** x,
  to: (v: number) => Math.log(v / lo) / Math.log(hi / lo),
});

/** The knobs that act under `policy` (a knob a policy ignores would only add noise to the search). */
export function dimensionsFor(policy: PolicyName): Dimension[] {
  const dims: Dimension[] = [
    {
      name: "hopelessShare",
      ...linear(0, 1.5),
      get: (s) => s.params.hopelessShare,
      set: (s, v) => (s.params.hopelessShare = v),
    },
  ];
  if (policy === "dysta") {
    dims.push({ name: "dystaBeta", ...logScale(1e-4, 10), get: (s) => s.params.dystaBeta, set: (s, v) => (s.params.dystaBeta = v) });
  }
  if (SPATIAL_POLICIES.has(policy)) {
    dims.push({
      name: "maxVictims",
      ...linear(0, 3),
      get: (s) => s.params.maxVictims,
      set: (s, v) => (s.params.maxVictims = Math.round(v)),
    });
    dims.push({
      name: "solveBudget",
      ...logScale(20_000, 2_000_000),
      get: (s) => s.solveBudget,
      set: (s, v) => (s.solveBudget = Math.round(v / 1000) * 1000),
    });
  }
  if (policy === "immsched") {
    dims.push({ name: "slackShare", ...linear(0.05, 1), get: (s) => s.params.slackShare, set: (s, v) => (s.params.slackShare = v) });
  }
  return dims;
}

export interface Workload {
  /** Scenario specs as bench takes them, and the Dysta rates when one of them is "dysta". */
  scenarios: string[];
  rates?: number[];
  board: BenchSpec["board"];
}

/** Runs `setting` on `seeds` and folds the runs into one loss. */
export async function evaluate(policy: PolicyName, setting: Setting, w: Workload, seeds: number[]): Promise<Outcome> {
  const r = await runBench({
    scenarios: w.scenarios,
    rates: w.rates,
    policies: [policy],
    seeds,
    board: w.board,
    params: setting.params,
    solveBudget: setting.solveBudget,
  });
  const n = r.runs.length;
  const violationRate = r.runs.reduce((a, x) => a + x.metrics.violationRate, 0) / n;
  const xrbenchScore = r.runs.reduce((a, x) => a + x.metrics.xrbenchScore, 0) / n;
  return { loss: violationRate + (100 - xrbenchScore) / 100, violationRate, xrbenchScore };
}

export interface SearchOptions {
  policy: PolicyName;
  workload: Workload;
  trainSeeds: number[];
  /** Settings evaluated in all, the defaults included. */
  budget: number;
  seed: number;
  /** Children per generation (default 4). */
  lambda?: number;
  progress?: (evaluated: number, best: Outcome) => void;
}

export interface SearchResult {
  best: Setting;
  bestOutcome: Outcome;
  defaultOutcome: Outcome;
  evaluated: number;
  /** Loss of the parent after each generation (non-increasing). */
  history: number[];
}

function clone(s: Setting): Setting {
  return { params: { ...s.params }, solveBudget: s.solveBudget };
}

function gaussian(rand: Random): number {
  // Box-Muller on the seeded generator
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export async function search(o: SearchOptions): Promise<SearchResult> {
  const dims = dimensionsFor(o.policy);
  const lambda = o.lambda ?? 4;
  const rand = mulberry32(o.seed);
  let parent = clone(DEFAULT_SETTING);
  let x = dims.map((d) => Math.min(1, Math.max(0, d.to(d.get(parent)))));
  const defaultOutcome = await evaluate(o.policy, parent, o.workload, o.trainSeeds);
  let best = defaultOutcome;
  let evaluated = 1;
  let sigma = 0.2;
  const history: number[] = [];
  o.progress?.(evaluated, best);
  while (evaluated + 1 <= o.budget) {
    let wins = 0;
    let children = 0;
    let gen: { x: number[]; s: Setting; out: Outcome } | undefined;
    for (let c = 0; c < lambda && evaluated < o.budget; c++) {
      const cx = x.map((v) => Math.min(1, Math.max(0, v + sigma * gaussian(rand))));
      const s = clone(parent);
      for (const [i, d] of dims.entries()) d.set(s, d.from(cx[i]!));
      const out = await evaluate(o.policy, s, o.workload, o.trainSeeds);
      evaluated++;
      children++;
      if (out.loss < best.loss) wins++;
      if (!gen || out.loss < gen.out.loss) gen = { x: cx, s, out };
      o.progress?.(evaluated, gen.out.loss < best.loss ? gen.out : best);
    }
    if (gen && gen.out.loss < best.loss) {
      parent = gen.s;
      x = gen.x;
      best = gen.out;
    }
    sigma = wins / Math.max(1, children) > 0.2 ? Math.min(0.5, sigma * 1.22) : Math.max(0.01, sigma / 1.22);
    history.push(best.loss);
  }
  return { best: parent, bestOutcome: best, defaultOutcome, evaluated, history };
}
