// The bench report as ONE self-contained HTML file: it must open from a USB stick or an e-mail on a
// machine with no internet, so uPlot's JS and CSS are inlined from node_modules and the data is
// inlined as JSON. Bar charts are SVG generated here (no script needed to read them); the decision
// latency distribution is a uPlot chart of latency by percentile, one line per policy.

import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../formats/write-atomic.js";
import { createRequire } from "node:module";
import { METRIC_NAMES, type MetricName, type Metrics } from "../sim/metrics.js";

export interface BenchRun {
  policy: string;
  seed: number;
  scenario: string;
  metrics: Metrics;
}

export interface BenchResult {
  runs: BenchRun[];
  /** Per policy, usually the mean over its runs. */
  summary: Record<string, Metrics>;
}

export interface ReportOptions {
  title?: string;
  /** Printed in the header (default: now). */
  generatedAt?: Date;
  /** Free text under the title: machine, command line. */
  notes?: string[];
}

const HEAD: Record<MetricName, { label: string; unit: string; higherIsBetter?: boolean }> = {
  antt: { label: "ANTT", unit: "×" },
  stp: { label: "STP", unit: "/s", higherIsBetter: true },
  violationRate: { label: "violations", unit: "%" },
  latencyP50Ms: { label: "latency p50", unit: "ms" },
  latencyP99Ms: { label: "latency p99", unit: "ms" },
  energyMJ: { label: "energy", unit: "mJ" },
  uxCost: { label: "UXCost", unit: "" },
  xrbenchScore: { label: "XRBench score", unit: "", higherIsBetter: true },
  dropped: { label: "dropped", unit: "" },
  decisionMicrosP50: { label: "decision p50", unit: "µs" },
  decisionMicrosP99: { label: "decision p99", unit: "µs" },
  preemptions: { label: "pre-empted", unit: "" },
  resizes: { label: "resized", unit: "" },
};

/** How a metric reads in the report's tables (violationRate as a percentage, others to 4 significant digits). */
export function formatMetric(name: keyof Metrics, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (name === "violationRate") return `${(v * 100).toFixed(1)}%`;
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside <script>: no "</script>" or "<!--" can end or confuse the element. */
const inlineJson = (x: unknown) =>
  JSON.stringify(x)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
const inlineScript = (js: string) => js.replace(/<\/script/gi, "<\\/script");

const PALETTE = ["#0a84ff", "#ff9f0a", "#30d158", "#ff375f", "#bf5af2", "#64d2ff", "#ffd60a", "#ac8e68", "#5e5ce6", "#8e8e93"];

/** Horizontal bars, one per policy, as inline SVG. */
function barChart(
  title: string,
  rows: Array<[string, number]>,
  fmt: (v: number) => string,
  id: string,
  colour: (policy: string) => string,
): string {
  const W = 520;
  const gutter = 110;
  const valueW = 70;
  const barH = 20;
  const gap = 6;
  const H = 28 + rows.length * (barH + gap);
  const max = Math.max(1e-12, ...rows.map(([, v]) => (Number.isFinite(v) ? v : 0)));
  const span = W - gutter - valueW;
  const bars = rows
    .map(([label, v], i) => {
      const y = 24 + i * (barH + gap);
      const w = Number.isFinite(v) && v > 0 ? Math.max(1, (v / max) * span) : 0;
      return (
        `<text x="${gutter - 8}" y="${y + barH / 2}" text-anchor="end" dominant-baseline="middle">${esc(label)}</text>` +
        `<rect class="bar" data-policy="${esc(label)}" data-value="${v}" x="${gutter}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3" fill="${colour(label)}"/>` +
        `<text x="${gutter + w + 6}" y="${y + barH / 2}" dominant-baseline="middle" class="v">${esc(fmt(v))}</text>`
      );
    })
    .join("");
  return `<svg id="${id}" class="bars" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><text x="0" y="14" class="t">${esc(title)}</text>${bars}</svg>`;
}

/** Latency at each percentile 0..100 (step 0.5), per policy: small whatever the sample count. */
function latencyCurves(decisionMicros: Record<string, number[]>): {
  p: number[];
  series: Array<{ policy: string; us: number[]; n: number }>;
} {
  const p = Array.from({ length: 201 }, (_, i) => i / 2);
  const series = Object.entries(decisionMicros)
    .filter(([, v]) => v.length > 0)
    .map(([policy, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      // nearest rank as in host/sim/metrics.ts, without re-sorting per point
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))]!;
      return { policy, us: p.map(at), n: values.length };
    });
  return { p, series };
}

function metricsTable(rows: Array<{ key: string[]; m: Metrics }>, keyHeads: string[], id: string, highlight: boolean): string {
  const best = new Map<keyof Metrics, number>();
  if (highlight) {
    for (const k of METRIC_NAMES) {
      const vals = rows.map((r) => r.m[k]).filter(Number.isFinite);
      if (vals.length > 1) best.set(k, HEAD[k].higherIsBetter ? Math.max(...vals) : Math.min(...vals));
    }
  }
  const head = [
    ...keyHeads.map((h) => `<th>${esc(h)}</th>`),
    ...METRIC_NAMES.map(
      (k) => `<th data-metric="${k}" title="${k}">${esc(HEAD[k].label)}${HEAD[k].unit ? ` <small>${esc(HEAD[k].unit)}</small>` : ""}</th>`,
    ),
  ].join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.key.map((k) => `<th scope="row">${esc(k)}</th>`).join("")}${METRIC_NAMES.map((k) => {
          const v = r.m[k];
          return `<td data-metric="${k}"${best.get(k) === v ? ' class="best"' : ""}>${esc(formatMetric(k, v))}</td>`;
        }).join("")}</tr>`,
    )
    .join("\n");
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const require = createRequire(import.meta.url);

/** The report's HTML (pure apart from reading uPlot from node_modules). */
export async function renderHtmlReport(
  bench: BenchResult,
  decisionMicros?: Record<string, number[]>,
  opts: ReportOptions = {},
): Promise<string> {
  const [localeGuardJs, uplotJs, uplotCss] = await Promise.all([
    readFile(new URL("../monitor/page/locale-guard.js", import.meta.url), "utf8"),
    readFile(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    readFile(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  ]);
  const title = opts.title ?? "immsched bench report";
  const policies = Object.keys(bench.summary);
  const summaryRows = policies.map((p) => ({ key: [p], m: bench.summary[p]! }));
  const runRows = bench.runs.map((r) => ({ key: [r.policy, r.scenario, String(r.seed)], m: r.metrics }));
  const curves = decisionMicros ? latencyCurves(decisionMicros) : { p: [], series: [] };
  // p50/p90/p99/max are points of the curve (index = 2 x percentile)
  const us = (v: number) => esc(formatMetric("decisionMicrosP50", v));
  const latencyStats = curves.series
    .map(
      (s) =>
        `<tr><th scope="row">${esc(s.policy)}</th><td>${s.n}</td><td>${us(s.us[100]!)}</td><td>${us(s.us[180]!)}</td><td>${us(s.us[198]!)}</td><td>${us(s.us[200]!)}</td></tr>`,
    )
    .join("\n");
  // one colour per policy across the bars and the latency chart
  const order = [...new Set([...policies, ...Object.keys(decisionMicros ?? {})])];
  const colour = (p: string) => PALETTE[Math.max(0, order.indexOf(p)) % PALETTE.length]!;
  const data = { bench, latency: { ...curves, colours: curves.series.map((c) => colour(c.policy)) } };
  const scenarios = [...new Set(bench.runs.map((r) => r.scenario))];
  const seeds = [...new Set(bench.runs.map((r) => r.seed))];
  const generated = (opts.generatedAt ?? new Date()).toISOString();

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${uplotCss}</style>
<style>
  body { margin: 24px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .meta { color: #6e6e73; margin: 2px 0; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5ea; text-align: right; white-space: nowrap; }
  thead th { background: #f5f5f7; font-weight: 600; } th[scope=row] { text-align: left; font-weight: 600; }
  th small { color: #6e6e73; font-weight: 400; }
  td.best { font-weight: 700; color: #0b6b1d; }
  .charts { display: flex; flex-wrap: wrap; gap: 24px; }
  svg.bars { font: 12px system-ui, sans-serif; } svg.bars .t { font-weight: 600; font-size: 13px; } svg.bars .v { fill: #3a3a3c; }
  details { margin-top: 12px; } summary { cursor: pointer; color: #0a84ff; }
  .scroll { overflow-x: auto; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${policies.length} polic${policies.length === 1 ? "y" : "ies"}, ${bench.runs.length} run${bench.runs.length === 1 ? "" : "s"}; scenario${scenarios.length === 1 ? "" : "s"} ${esc(scenarios.join(", ") || "–")}; seed${seeds.length === 1 ? "" : "s"} ${esc(seeds.join(", ") || "–")}; generated ${esc(generated)}</p>
${(opts.notes ?? []).map((n) => `<p class="meta">${esc(n)}</p>`).join("\n")}

<h2>Summary <small class="meta">per policy; best of each column in bold</small></h2>
<div class="scroll">${metricsTable(summaryRows, ["policy"], "summary", true)}</div>

<h2>Violation rate and ANTT</h2>
<div class="charts">
${barChart(
  "violation rate (late + dropped) / arrived",
  policies.map((p) => [p, bench.summary[p]!.violationRate]),
  (v) => formatMetric("violationRate", v),
  "bars-violations",
  colour,
)}
${barChart(
  "ANTT (turnaround / isolated latency)",
  policies.map((p) => [p, bench.summary[p]!.antt]),
  (v) => formatMetric("antt", v),
  "bars-antt",
  colour,
)}
</div>

<h2>Decision latency <small class="meta">one call into the core, µs, by percentile (log scale)</small></h2>
${
  curves.series.length
    ? `<div id="latency-chart"></div>
<table id="latency-stats"><thead><tr><th>policy</th><th>decisions</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>max µs</th></tr></thead><tbody>
${latencyStats}
</tbody></table>`
    : `<p class="meta" id="latency-chart-missing">No per-decision samples in this bench; the table's decision p50/p99 columns hold the summary.</p>`
}

<h2>Runs</h2>
<details><summary>${bench.runs.length} run${bench.runs.length === 1 ? "" : "s"}</summary>
<div class="scroll">${metricsTable(runRows, ["policy", "scenario", "seed"], "runs", false)}</div>
</details>

<script type="application/json" id="data">${inlineJson(data)}</script>
<script>${inlineScript(localeGuardJs)}</script>
<script>${inlineScript(uplotJs)}</script>
<script>
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("data").textContent);
  const el = document.getElementById("latency-chart");
  const L = data.latency;
  if (!el || !L.series.length) return;
  const pos = (v) => Math.max(v, 0.001); // log scale
  window.__report = {
    latency: new uPlot(
      {
        width: Math.min(900, document.body.clientWidth - 20),
        height: 320,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: "percentile", values: (u, v) => v.map((x) => x + "%") }, { label: "µs", size: 60 }],
        series: [{ label: "percentile" }, ...L.series.map((s, i) => ({ label: s.policy + " (" + s.n + ")", stroke: L.colours[i], width: 2 }))],
      },
      [L.p, ...L.series.map((s) => s.us.map(pos))],
      el,
    ),
  };
})();
</script>
</body>
</html>
`;
}

/** Writes the report atomically (a reader never sees half a file). */
export async function writeHtmlReport(
  file: string,
  bench: BenchResult,
  decisionMicros?: Record<string, number[]>,
  opts: ReportOptions = {},
): Promise<void> {
  await writeFileAtomic(file, await renderHtmlReport(bench, decisionMicros, opts));
}
