// The engine of `immsched bench`: every (scenario, policy, seed) run in virtual time through the
// real core (host/sim/simulate.ts), with the metrics of docs/ARCHITECTURE.md per run and their mean per policy.
//
// A scenario is built once per (scenario, seed) and shared by every policy, so all policies see
// the same arrivals and the same per-sample layer times.

import { type ControllerParams, POLICIES, type PolicyName } from "../core/controller.js";
import type { Target } from "../formats/graphs.js";
import { simulate } from "../sim/simulate.js";
import { computeMetrics, meanMetrics, type Metrics } from "../sim/metrics.js";
import type { RunLog } from "../sim/types.js";
import { loadScenario, type Scenario } from "../workloads/scenario.js";
import { type ModelCost, withCosts } from "../workloads/xrbench-costs.js";
import { xrbenchArrivalsOf, xrbenchEndNs, xrbenchTickNs } from "../workloads/xrbench-run.js";
import type { BenchRun as ReportRun, BenchResult as ReportResult } from "../report/html.js";
import { OnlineTuner } from "../tune/online.js";
import { TraceWriter } from "../trace/writer.js";
import { benchTraceFile, benchTraceHeader } from "../trace/bench-trace.js";
import { InputError } from "../formats/input-error.js";
import { variantSample } from "../workloads/variant-table.js";
import type { WorkloadArrival } from "../workloads/arrivals.js";

/** What one unit of core work costs on the board's controller, ns (about this machine's measured rate). */
export const DEFAULT_NS_PER_WORK = 5;

export interface BenchSpec {
  /** Scenario specs: an XRBench name or .m file, a JSON trace, or "dysta" (one run per rate). */
  scenarios: string[];
  policies: PolicyName[];
  seeds: number[];
  /** Dysta recipe: arrival rates (tasks/s) swept, and the SLO multiplier. */
  rates?: number[];
  sloMult?: number;
  durationMs?: number;
  board: Target;
  nsPerWork?: number;
  decisionTime?: "work" | "measured";
  /** Per-model whole-array latency and energy in XRBench's form instead of the cost model's (--costs). */
  costs?: { file: string; models: ReadonlyMap<string, ModelCost> };
  /** Ablations: lane counts offered (default profiles.ts DEFAULT_LANE_COUNTS; [1] turns layer split off), and fixed sizing for every policy. */
  laneCounts?: readonly number[];
  fixedSizing?: boolean;
  /** Tuned settings (`immsched tune`, bench --config): controller knobs and the solve budget. */
  params?: ControllerParams;
  solveBudget?: number;
  /** Online tuning (tune/online.ts): each run adapts its policy's knob from its own outcome. */
  onlineTuning?: boolean;
  /** Model variants (width variants) for every policy: each task runs the variant host/core/variant-selector.ts picks. */
  modelVariants?: boolean;
  /** Record every run's schedule IR (docs/IR.md) as DIR/<scenario>.<policy>.seed<N>.jsonl (--trace). */
  traceDir?: string;
}

/** One run (the report's record, with the policy typed). */
export interface BenchRun extends ReportRun {
  policy: PolicyName;
}

export interface BenchResult extends ReportResult {
  runs: BenchRun[];
  /** Mean over seeds, per scenario and policy. */
  scenarios: Record<string, Record<string, Metrics>>;
  /** Decision latencies (µs, arrival -> commands ready) of every run, per policy, for reports. */
  decisionMicros: Record<string, number[]>;
  /**
   * Latency-bound throughput (docs/ARCHITECTURE.md "Metrics"): per policy, the highest Dysta-recipe rate
   * swept (tasks/s) whose mean violation rate is at most LBT_VIOLATION_RATE; 0 when none is.
   * Present when the bench swept two or more rates.
   */
  lbt?: Record<string, number>;
}

export const LBT_VIOLATION_RATE = 0.05;

/** Each concrete scenario run: a name and how to load it. */
export function expandScenarios(spec: BenchSpec): Array<{ label: string; spec: string; rate?: number }> {
  const out: Array<{ label: string; spec: string; rate?: number }> = [];
  for (const s of spec.scenarios) {
    if (s === "dysta") {
      for (const rate of spec.rates ?? [100]) out.push({ label: `dysta@${rate}/s`, spec: s, rate });
    } else out.push({ label: s, spec: s });
  }
  return out;
}

export async function runBench(spec: BenchSpec, progress?: (done: number, total: number, what: string) => void): Promise<BenchResult> {
  if (spec.modelVariants && spec.policies.includes("xrbench")) {
    throw new InputError("model variants do not apply to the xrbench reference policy (XRBench's own run has fixed frame costs)", {
      field: "policy",
    });
  }
  if (spec.modelVariants && spec.costs) {
    throw new InputError("model variants need the cost model's per-layer costs: leave --costs out", { field: "costs" });
  }
  const cases = expandScenarios(spec);
  const total = cases.length * spec.seeds.length * spec.policies.length;
  const runs: BenchRun[] = [];
  const decisionMicros: Record<string, number[]> = {};
  let done = 0;
  for (const c of cases) {
    for (const seed of spec.seeds) {
      const loaded = loadScenario(c.spec, {
        seed,
        durationMs: spec.durationMs,
        rate: c.rate,
        sloMult: spec.sloMult,
        board: spec.board,
        laneCounts: spec.laneCounts,
        modelVariants: spec.modelVariants,
      });
      const scenario = spec.costs ? withCosts(loaded, spec.costs.models, spec.costs.file) : loaded;
      for (const policy of spec.policies) {
        progress?.(done, total, `${c.label} · ${policy} · seed ${seed}`);
        const trace = spec.traceDir ? new TraceWriter() : undefined;
        const { log, metrics } = await runPolicy(scenario, policy, seed, spec, trace, c.label);
        if (trace) await trace.save(benchTraceFile(spec.traceDir!, c.label, policy, seed));
        runs.push({ policy, seed, scenario: c.label, metrics });
        (decisionMicros[policy] ??= []).push(...log.arrivalToCommandNs.map((ns) => ns / 1000));
        done++;
      }
    }
  }
  progress?.(done, total, "done");
  const summary: Record<string, Metrics> = {};
  const scenarios: Record<string, Record<string, Metrics>> = {};
  for (const policy of spec.policies) summary[policy] = meanMetrics(runs.filter((r) => r.policy === policy).map((r) => r.metrics));
  for (const c of cases) {
    const per: Record<string, Metrics> = {};
    for (const policy of spec.policies) {
      per[policy] = meanMetrics(runs.filter((r) => r.policy === policy && r.scenario === c.label).map((r) => r.metrics));
    }
    scenarios[c.label] = per;
  }
  const swept = cases.filter((c) => c.rate !== undefined);
  let lbt: Record<string, number> | undefined;
  if (swept.length >= 2) {
    lbt = {};
    for (const policy of spec.policies) {
      const ok = swept.filter((c) => scenarios[c.label]![policy]!.violationRate <= LBT_VIOLATION_RATE).map((c) => c.rate!);
      lbt[policy] = ok.length ? Math.max(...ok) : 0;
    }
  }
  return { runs, summary, scenarios, decisionMicros, ...(lbt ? { lbt } : {}) };
}

/**
 * One run of one policy. The xrbench policy on an XRBench scenario runs as XRBench's own run
 * (host/workloads/xrbench-run.ts: its ticks, its dispatch order at equal times, fixed frame costs)
 * and is scored as XRBench scores (up to its last event); every other run scores every frame.
 */
export async function runPolicy(
  scenario: Scenario,
  policy: PolicyName,
  seed: number,
  spec: Pick<
    BenchSpec,
    "board" | "nsPerWork" | "decisionTime" | "fixedSizing" | "params" | "solveBudget" | "onlineTuning" | "modelVariants"
  >,
  trace?: TraceWriter,
  label = scenario.name,
): Promise<{ log: RunLog; metrics: Metrics }> {
  const x = policy === "xrbench" ? scenario.xrbench : undefined;
  const nsPerWork = spec.nsPerWork ?? DEFAULT_NS_PER_WORK;
  const variants = spec.modelVariants && !x ? scenario.modelVariants : undefined;
  trace?.push(
    benchTraceHeader({
      label,
      policy,
      seed,
      board: spec.board,
      nsPerWork,
      decisionTime: spec.decisionTime,
      xrbench: x,
      modelVariants: !!variants,
    }),
  );
  const log = await simulate({
    policy,
    board: spec.board,
    models: scenario.models,
    arrivals: x ? xrbenchArrivalsOf(scenario) : scenario.arrivals,
    seed,
    nsPerWork,
    decisionTime: spec.decisionTime,
    tickNs: x ? xrbenchTickNs(x.networks) : undefined,
    fixedSizing: spec.fixedSizing,
    params: spec.params,
    solveBudget: spec.solveBudget,
    tuner: spec.onlineTuning ? new OnlineTuner(policy) : undefined,
    trace: trace && ((l) => trace.push(l)),
    modelVariants: variants && {
      choices: variants.choices,
      profileOf: (a, c) => variantSample(variants, c, (a as WorkloadArrival).sample).profile,
    },
  });
  const metrics = computeMetrics(log, x ? xrbenchEndNs(x.networks, x.durationMs, log) : undefined);
  trace?.push({ op: "end", metrics });
  return { log, metrics };
}

export { POLICIES };
