// The bench report: one self-contained HTML file (nothing fetched), the numbers in its tables,
// and it opens in Chromium without errors.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BROWSER_LANGS, launchChromium } from "../../support/browser.js";
import { formatMetric, writeHtmlReport, type BenchResult } from "../../../host/report/html.js";
import { METRIC_NAMES, type Metrics, percentile } from "../../../host/sim/metrics.js";

const metrics = (k: number): Metrics => ({
  antt: 1.5 + k,
  stp: 1234.5678 * (k + 1),
  violationRate: 0.125 * (k + 1),
  latencyP50Ms: 0.75 + k / 10,
  latencyP99Ms: 4.2 + k,
  energyMJ: 12.3456 + k,
  uxCost: 0.0123 * (k + 1),
  xrbenchScore: 61.2 - k,
  dropped: 3 * k,
  decisionMicrosP50: 12.5 + k,
  decisionMicrosP99: 88.25 + k,
  preemptions: 2 * k,
  resizes: k,
});

const bench: BenchResult = {
  runs: [
    { policy: "fcfs", seed: 1, scenario: "VR_gaming", metrics: metrics(0) },
    { policy: "fcfs", seed: 2, scenario: "VR_gaming", metrics: metrics(0.5) },
    { policy: "immsched", seed: 1, scenario: "VR_gaming", metrics: metrics(2) },
    { policy: "<script>alert(1)</script>", seed: 1, scenario: "A&B", metrics: metrics(1) }, // escaping
  ],
  summary: { fcfs: metrics(0.25), immsched: metrics(2), "<script>alert(1)</script>": metrics(1) },
};
const decisionMicros = {
  fcfs: Array.from({ length: 1000 }, (_, i) => 1 + (i % 100)),
  immsched: Array.from({ length: 5000 }, (_, i) => 5 + ((i * 7) % 400)),
};

const dir = mkdtempSync(join(tmpdir(), "immsched-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("HTML bench report", () => {
  it("is one self-contained file with the table values, and opens in Chromium without errors", async () => {
    const file = join(dir, "sub", "report.html");
    await writeHtmlReport(file, bench, decisionMicros, { generatedAt: new Date("2025-01-02T03:04:05Z"), notes: ["machine: test"] });
    // atomic write: exactly the file, no temp left beside it
    expect(readdirSync(join(dir, "sub"))).toEqual(["report.html"]);
    const html = readFileSync(file, "utf8");

    // nothing external: no src/href attributes at all, no stylesheet links, no URL in url(...)
    expect(html).not.toMatch(/\s(?:src|href)\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//i);
    expect(html).toContain("uPlot"); // inlined library
    expect(html).toContain(".uplot"); // inlined CSS
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");

    // the values are in the file as the table shows them; the best of a column is marked
    // (lowest ANTT: fcfs; highest XRBench score: fcfs; lowest violation rate: fcfs)
    expect(html).toContain('<td data-metric="antt" class="best">1.75</td>');
    expect(html).toContain('<td data-metric="xrbenchScore" class="best">60.95</td>');
    expect(html).toContain('<td data-metric="violationRate">37.5%</td>');
    expect(formatMetric("violationRate", 0.15625)).toBe("15.6%");
    expect(formatMetric("antt", 1.75)).toBe("1.75");
    expect(formatMetric("stp", 1543.2098)).toBe("1543");
    expect(formatMetric("dropped", 3)).toBe("3");

    for (const lang of BROWSER_LANGS) {
      const browser = await launchChromium(lang);
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        page.on("request", (r) => requests.push(r.url()));
        await page.goto(`file://${file}`);
        await page.waitForFunction(() => "__report" in window);

        const table = await page.$$eval("#summary tbody tr", (rows) =>
          rows.map((r) => ({
            policy: r.querySelector("th")!.textContent,
            cells: Object.fromEntries([...r.querySelectorAll("td")].map((td) => [td.dataset.metric, td.textContent])),
          })),
        );
        expect(table.map((r) => r.policy)).toEqual(Object.keys(bench.summary));
        for (const row of table) {
          const m = bench.summary[row.policy!]!;
          for (const k of METRIC_NAMES) expect(row.cells[k], `${row.policy} ${k}`).toBe(formatMetric(k, m[k]));
        }
        expect(await page.$$eval("#runs tbody tr", (r) => r.length)).toBe(bench.runs.length);

        // bars: one per policy, lengths in proportion to the values
        const bars = await page.$$eval("#bars-violations rect.bar", (rs) =>
          rs.map((r) => ({ p: r.getAttribute("data-policy"), w: Number(r.getAttribute("width")) })),
        );
        expect(bars.map((b) => b.p)).toEqual(Object.keys(bench.summary));
        expect(bars[1]!.w / bars[0]!.w).toBeCloseTo(bench.summary.immsched!.violationRate / bench.summary.fcfs!.violationRate, 1);
        expect(await page.$$eval("#bars-antt rect.bar", (rs) => rs.length)).toBe(3);

        // latency chart: one line per policy over 201 percentiles; the stats table matches the samples
        const chart = await page.evaluate(() => {
          const u = (window as unknown as { __report: { latency: { data: number[][]; series: Array<{ label: string }> } } }).__report
            .latency;
          return {
            xs: u.data[0]!.length,
            lines: u.data.length - 1,
            labels: u.series.map((s) => s.label),
            canvas: !!document.querySelector("#latency-chart canvas"),
          };
        });
        expect(chart).toMatchObject({ xs: 201, lines: 2, canvas: true });
        expect(chart.labels.slice(1)).toEqual(["fcfs (1000)", "immsched (5000)"]);
        const p99 = await page.$$eval("#latency-stats tbody tr", (rows) => rows.map((r) => r.querySelectorAll("td")[3]!.textContent));
        expect(p99).toEqual([
          formatMetric("decisionMicrosP99", percentile(decisionMicros.fcfs, 99)),
          formatMetric("decisionMicrosP99", percentile(decisionMicros.immsched, 99)),
        ]);

        expect(errors, `console errors under LANG=${lang}`).toEqual([]);
        expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  });

  it("without decision samples it says so instead of drawing an empty chart; a rewrite replaces the file", async () => {
    const file = join(dir, "plain.html");
    await writeHtmlReport(file, bench);
    const first = readFileSync(file, "utf8");
    expect(first).toContain('id="latency-chart-missing"');
    expect(first).not.toContain('id="latency-chart"');
    await writeHtmlReport(file, { runs: bench.runs.slice(0, 1), summary: { fcfs: metrics(0) } }, undefined, { title: "second" });
    const second = readFileSync(file, "utf8");
    expect(second).toContain("<title>second</title>");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
