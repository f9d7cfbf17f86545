// The metrics of a run (docs/ARCHITECTURE.md "Metrics"), each defined once here.
//
//   antt            mean over completed tasks of turnaround / isolated latency (Dysta)
//   stp             sum over completed tasks of isolated / turnaround, per second of the run:
//                   normalised progress the system makes per second
//   violationRate   (tasks finished after their deadline + dropped + lost) / tasks that arrived;
//                   a dropped task missed its deadline, so dropping never lowers the rate
//   latencyP50Ms/P99Ms  turnaround (arrival -> finish) of completed tasks
//   energyMJ        everything the board spent: layers, pipelines, checkpoints, partial runs
//   uxCost          SDRM3's idea of an energy-delay product of real-time work, per task:
//                   completed: E_mJ * L_ms * (1 + lateness / budget), budget = deadline - arrival;
//                   dropped or lost: isolated E_mJ * 2 * budget_ms (as if it took twice its budget);
//                   the mean over arrived tasks
//   xrbenchScore    XRBench's overall score (data/xrbench/README.md): per model, the sum over
//                   completed frames of RT * En divided by the frames that arrived, times the share
//                   not dropped; 100 x the mean over models. RT = 1 / (1 + exp(15 (finish - deadline)))
//                   in ms, En = (1500 - E_mJ) / 1500. Unlike XRBench's own run, every frame counts
//                   (the run continues until the last frame settles); xrbenchScore(tasks, endNs)
//                   counts as XRBench does (HET_scoring-module.hpp, HET_logger.hpp): only frames
//                   logged by its last event, and only models with a logged frame.
//   dropped         tasks dropped (by the controller, or because the frame they depend on was)
//   decisionMicrosP50/P99  arrival -> its commands ready, in the core's time (queueing included)
//   preemptions     tasks stopped for another (each PREEMPT command)
//   resizes         pre-empted tasks resumed on another number of tiles (elastic pipelines)
//   accuracyLoss    only with model variants on (host/core/variant-selector.ts): mean over
//                   completed tasks of the accuracy their variant lost against full width, in
//                   percentage points (0 when every task ran at full width)

import type { RunLog, TaskRecord } from "./types.js";

export interface Metrics {
  antt: number;
  stp: number;
  violationRate: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  energyMJ: number;
  uxCost: number;
  xrbenchScore: number;
  dropped: number;
  decisionMicrosP50: number;
  decisionMicrosP99: number;
  preemptions: number;
  resizes: number;
  /** Present only when model variants were on (not in METRIC_NAMES, so runs without variants keep their output). */
  accuracyLoss?: number;
}

/** Every metric a run always reports (accuracyLoss only with model variants). */
export type MetricName = Exclude<keyof Metrics, "accuracyLoss">;

export const METRIC_NAMES: ReadonlyArray<MetricName> = [
  "antt",
  "stp",
  "violationRate",
  "latencyP50Ms",
  "latencyP99Ms",
  "energyMJ",
  "uxCost",
  "xrbenchScore",
  "dropped",
  "decisionMicrosP50",
  "decisionMicrosP99",
  "preemptions",
  "resizes",
];

/** The metrics a run reported: METRIC_NAMES, and accuracyLoss when model variants were on. */
export function reportedMetricNames(m: Metrics): Array<keyof Metrics> {
  return m.accuracyLoss !== undefined ? [...METRIC_NAMES, "accuracyLoss"] : [...METRIC_NAMES];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}

const ms = (ns: number) => ns / 1e6;
const mJ = (pJ: number) => pJ / 1e9;

export function isLate(t: TaskRecord): boolean {
  return t.finishNs !== undefined && t.finishNs > t.deadlineNs;
}

/**
 * XRBench's overall score of a run's frames. Without `endNs`, every frame counts. With it, as
 * XRBench's runtime logs them (HET_runtime.hpp): it stops at its last event `endNs` (the one that
 * generates the last frame), so a frame counts only once finished by then (with its 0.01 ms
 * FP_ERROR_MARGIN, HET_process.hpp) or dropped by then (it drops a queued frame at its first event
 * after the deadline, and `endNs` is an event); the mean is over the models with a counted frame
 * (HET_logger.hpp lists a model at its first log entry).
 */
export function xrbenchScore(tasks: readonly TaskRecord[], endNs?: number): number {
  const byModel = new Map<string, TaskRecord[]>();
  const counted = (t: TaskRecord) =>
    endNs === undefined ||
    (t.finishNs !== undefined ? t.finishNs <= endNs + XRBENCH_FINISH_MARGIN_NS : t.dropped !== undefined && t.deadlineNs < endNs);
  for (const t of tasks) if (counted(t)) byModel.set(t.model, [...(byModel.get(t.model) ?? []), t]);
  if (byModel.size === 0) return 0;
  let sum = 0;
  for (const frames of byModel.values()) {
    let score = 0;
    let settled = 0;
    for (const f of frames) {
      if (f.finishNs === undefined) continue;
      settled++;
      const rt = 1 / (1 + Math.exp(15 * (ms(f.finishNs) - ms(f.deadlineNs))));
      const en = (1500 - mJ(f.energyPJ ?? 0)) / 1500;
      score += rt * en;
    }
    const ux = settled / frames.length; // 1 - (dropped or lost) / total
    sum += (score / frames.length) * ux;
  }
  return (100 * sum) / byModel.size;
}

/** XRBench counts a process finished this long before it completes (FP_ERROR_MARGIN, 0.01 ms). */
export const XRBENCH_FINISH_MARGIN_NS = 10_000;

/** The metrics of a run; `xrbenchEndNs`: score XRBench's way, up to its last event (xrbenchScore). */
export function computeMetrics(log: RunLog, xrbenchEndNs?: number): Metrics {
  const all = log.tasks;
  const done = all.filter((t) => t.finishNs !== undefined);
  const turnaround = done.map((t) => t.finishNs! - t.arrivalNs);
  const violations = all.filter((t) => t.finishNs === undefined || isLate(t)).length;
  const seconds = Math.max(log.spanNs, 1) / 1e9;
  let ux = 0;
  for (const t of all) {
    const budgetMs = Math.max(ms(t.deadlineNs - t.arrivalNs), 1e-6);
    if (t.finishNs === undefined) {
      ux += mJ(t.isolatedEnergyPJ) * 2 * budgetMs;
    } else {
      const l = ms(t.finishNs - t.arrivalNs);
      ux += mJ(t.energyPJ ?? 0) * l * (1 + Math.max(0, l - budgetMs) / budgetMs);
    }
  }
  return {
    antt: done.length ? done.reduce((s, t, i) => s + turnaround[i]! / t.isolatedNs, 0) / done.length : 0,
    stp: done.reduce((s, t, i) => s + t.isolatedNs / Math.max(turnaround[i]!, 1), 0) / seconds,
    violationRate: all.length ? violations / all.length : 0,
    latencyP50Ms: ms(percentile(turnaround, 50)),
    latencyP99Ms: ms(percentile(turnaround, 99)),
    energyMJ: mJ(log.energyPJ),
    uxCost: all.length ? ux / all.length : 0,
    xrbenchScore: xrbenchScore(all, xrbenchEndNs),
    dropped: all.filter((t) => t.dropped !== undefined).length,
    decisionMicrosP50: percentile(log.arrivalToCommandNs, 50) / 1000,
    decisionMicrosP99: percentile(log.arrivalToCommandNs, 99) / 1000,
    preemptions: log.preemptions,
    resizes: log.resizes,
    ...(log.modelVariants ? { accuracyLoss: done.length ? done.reduce((s, t) => s + (t.accuracyLoss ?? 0), 0) / done.length : 0 } : {}),
  };
}

/** Mean of each metric over several runs (seeds). */
export function meanMetrics(runs: readonly Metrics[]): Metrics {
  const out = {} as Metrics;
  for (const k of METRIC_NAMES) out[k] = runs.length ? runs.reduce((s, m) => s + m[k], 0) / runs.length : 0;
  if (runs.length && runs.every((m) => m.accuracyLoss !== undefined)) {
    out.accuracyLoss = runs.reduce((s, m) => s + m.accuracyLoss!, 0) / runs.length;
  }
  return out;
}
