// `immsched bench`: every policy on the same workloads in virtual time; a table of the docs/ARCHITECTURE.md
// metrics (mean over seeds) per scenario and policy, and optionally JSON, CSV and an HTML report.

import { writeFileAtomic } from "../formats/write-atomic.js";
import cliProgress from "cli-progress";
import type { PolicyName } from "../core/controller.js";
import { METRIC_NAMES, type MetricName, type Metrics } from "../sim/metrics.js";
import { machineLine } from "../bench/machine.js";
import { runBench, type BenchSpec, type BenchResult, DEFAULT_NS_PER_WORK } from "../bench/policy-bench.js";
import { writeHtmlReport } from "../report/html.js";
import { EXIT_OK } from "./exit.js";
import { readCostsCsv } from "../workloads/xrbench-costs.js";
import { readTunedSettings } from "../tune/settings.js";

export interface BenchCommandOptions {
  scenario: string[];
  policy: PolicyName[];
  seeds: number[];
  rate?: number[];
  sloMult?: number;
  durationMs?: number;
  board: { width: number; height: number };
  nsPerWork?: number;
  decisionTime?: "work" | "measured";
  costs?: string;
  lanes?: number[];
  fixedSizing?: boolean;
  /** Tuned settings file (immsched tune --out). */
  config?: string;
  onlineTuning?: boolean;
  /** Model variants (width variants) for every policy: host/core/variant-selector.ts. */
  variants?: boolean;
  json?: string;
  csv?: string;
  html?: string;
  /** Directory for one schedule trace (docs/IR.md) per run. */
  trace?: string;
  quiet?: boolean;
}

const COLUMNS: Array<{ key: MetricName; head: string; fmt: (v: number) => string }> = [
  { key: "violationRate", head: "viol %", fmt: (v) => (100 * v).toFixed(1) },
  { key: "xrbenchScore", head: "xrbench", fmt: (v) => v.toFixed(1) },
  { key: "antt", head: "ANTT", fmt: (v) => v.toFixed(2) },
  { key: "stp", head: "STP", fmt: (v) => v.toFixed(2) },
  { key: "latencyP50Ms", head: "p50 ms", fmt: (v) => v.toFixed(2) },
  { key: "latencyP99Ms", head: "p99 ms", fmt: (v) => v.toFixed(2) },
  { key: "energyMJ", head: "energy mJ", fmt: (v) => v.toFixed(1) },
  { key: "uxCost", head: "uxCost", fmt: (v) => v.toPrecision(3) },
  { key: "dropped", head: "dropped", fmt: (v) => v.toFixed(1) },
  { key: "preemptions", head: "pre-empted", fmt: (v) => v.toFixed(1) },
  { key: "resizes", head: "resized", fmt: (v) => v.toFixed(1) },
  { key: "decisionMicrosP50", head: "dec p50 µs", fmt: (v) => v.toFixed(1) },
  { key: "decisionMicrosP99", head: "dec p99 µs", fmt: (v) => v.toFixed(1) },
];

/** Model variants on: the accuracy they cost, beside the violations it buys (last column of the table, CSV and JSON). */
const ACCURACY_COLUMN = { head: "acc loss pt", fmt: (v: number) => v.toFixed(2) };

function withVariants(result: BenchResult): boolean {
  return result.runs.length > 0 && result.runs.every((r) => r.metrics.accuracyLoss !== undefined);
}

export function benchTable(result: BenchResult): string {
  const acc = withVariants(result);
  const heads = [...COLUMNS.map((c) => c.head), ...(acc ? [ACCURACY_COLUMN.head] : [])];
  const lines: string[] = [];
  lines.push(`| scenario | policy | ${heads.join(" | ")} |`);
  lines.push(`| --- | --- | ${heads.map(() => "---").join(" | ")} |`);
  for (const [scenario, per] of Object.entries(result.scenarios)) {
    for (const [policy, m] of Object.entries(per)) {
      const cells = [...COLUMNS.map((c) => c.fmt(m[c.key])), ...(acc ? [ACCURACY_COLUMN.fmt(m.accuracyLoss ?? 0)] : [])];
      lines.push(`| ${scenario} | ${policy} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

export function benchCsv(result: BenchResult): string {
  const names: Array<keyof Metrics> = withVariants(result) ? [...METRIC_NAMES, "accuracyLoss"] : [...METRIC_NAMES];
  const rows = [["scenario", "policy", "seed", ...names].join(",")];
  for (const r of result.runs) rows.push([r.scenario, r.policy, r.seed, ...names.map((k) => r.metrics[k])].join(","));
  return `${rows.join("\n")}\n`;
}

export async function benchCommand(opts: BenchCommandOptions): Promise<number> {
  const tuned = opts.config ? readTunedSettings(opts.config) : undefined;
  const spec: BenchSpec = {
    scenarios: opts.scenario,
    policies: opts.policy,
    seeds: opts.seeds,
    rates: opts.rate,
    sloMult: opts.sloMult,
    durationMs: opts.durationMs,
    board: { mesh: { width: opts.board.width, height: opts.board.height, torus: false } },
    nsPerWork: opts.nsPerWork,
    decisionTime: opts.decisionTime,
    costs: opts.costs ? { file: opts.costs, models: readCostsCsv(opts.costs) } : undefined,
    laneCounts: opts.lanes,
    fixedSizing: opts.fixedSizing,
    ...(tuned ? { params: tuned.params, solveBudget: tuned.solveBudget } : {}),
    onlineTuning: opts.onlineTuning,
    modelVariants: opts.variants,
    traceDir: opts.trace,
  };
  const tty = process.stderr.isTTY && !opts.quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: "bench [{bar}] {value}/{total} runs · {what}", hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  const t0 = performance.now();
  const result = await runBench(spec, (done, total, what) => {
    if (!bar) return;
    if (!started) {
      bar.start(total, 0, { what });
      started = true;
    }
    bar.update(done, { what });
  });
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;

  const out = process.stdout;
  out.write(`# immsched bench\n\n`);
  out.write(`command: immsched bench ${process.argv.slice(3).join(" ")}\n`.replace(/ +\n$/, "\n"));
  out.write(`machine: ${machineLine()}\n`);
  out.write(
    `board: ${opts.board.width}x${opts.board.height} mesh · seeds ${opts.seeds.join(",")} · decisions charged ${opts.decisionTime === "measured" ? "by measured wall time" : `at ${opts.nsPerWork ?? DEFAULT_NS_PER_WORK} ns per work unit`}\n`,
  );
  if (opts.costs) out.write(`costs: whole-array latency and energy per model from ${opts.costs}\n`);
  if (opts.lanes) out.write(`ablation: stages split over ${opts.lanes.join(",")} lanes only\n`);
  if (opts.fixedSizing) out.write(`ablation: fixed sizing for every policy (no elastic pipelines)\n`);
  if (opts.variants)
    out.write(
      `model variants: every policy; each task runs the widest width whose estimated finish meets its deadline (docs/SCENARIO.md)\n`,
    );
  if (opts.trace) out.write(`traces: one schedule trace per run in ${opts.trace} (docs/IR.md; immsched replay FILE)\n`);
  out.write(`runs: ${result.runs.length} in ${seconds.toFixed(1)} s · metrics: mean over seeds\n\n`);
  out.write(`${benchTable(result)}\n`);
  out.write(
    `\nviol %: tasks late, dropped or lost per task arrived${opts.variants ? " · acc loss pt: accuracy lost per completed task (points)" : ""} · xrbench: XRBench score (0-100) · ANTT: mean turnaround / isolated · STP: normalised progress per second · dec: arrival -> commands ready in the core\n`,
  );

  if (result.lbt) {
    out.write(
      `\nlatency-bound throughput (highest rate swept with at most 5% violations): ` +
        Object.entries(result.lbt)
          .map(([p, r]) => `${p} ${r}/s`)
          .join(" · ") +
        "\n",
    );
  }
  const json = { runs: result.runs, summary: result.summary, scenarios: result.scenarios, ...(result.lbt ? { lbt: result.lbt } : {}) };
  if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(json, null, 2)}\n`);
  if (opts.csv) await writeFileAtomic(opts.csv, benchCsv(result));
  if (opts.html) await writeHtmlReport(opts.html, json, result.decisionMicros);
  return EXIT_OK;
}
