// `immsched bench` as a user runs it: real XRBench and Dysta workloads through the real core,
// the JSON and CSV formats of the issue, a self-contained HTML report, exit 2 on bad flags.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { METRIC_NAMES } from "../../../host/sim/metrics.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-bench-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched bench", () => {
  it("runs policies on an XRBench scenario and writes JSON, CSV and HTML; the same seeds give the same numbers", () => {
    const json = join(dir, "b.json");
    const csv = join(dir, "b.csv");
    const html = join(dir, "b.html");
    const args = [
      "bench",
      "--scenario",
      "VR_gaming",
      "--policy",
      "fcfs,dysta,immsched",
      "--seeds",
      "1-2",
      "--duration-ms",
      "200",
      "--quiet",
    ];
    const r = immsched([...args, "--json", json, "--csv", csv, "--html", html]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| VR_gaming \| immsched \|/);
    expect(r.stdout).toMatch(/machine: /);
    const out = JSON.parse(readFileSync(json, "utf8"));
    expect(out.runs).toHaveLength(6);
    for (const run of out.runs) {
      expect(Object.keys(run).sort()).toEqual(["metrics", "policy", "scenario", "seed"]);
      expect(Object.keys(run.metrics).sort()).toEqual([...METRIC_NAMES].sort());
      expect(run.metrics.violationRate).toBeGreaterThanOrEqual(0);
      expect(run.metrics.violationRate).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(out.summary).sort()).toEqual(["dysta", "fcfs", "immsched"]);
    const rows = readFileSync(csv, "utf8").trim().split("\n");
    expect(rows[0]).toBe(["scenario", "policy", "seed", ...METRIC_NAMES].join(","));
    expect(rows).toHaveLength(7);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("immsched");
    expect(page).not.toMatch(/<script[^>]+src=["']https?:/);
    // decisions are charged by deterministic work, so a second run is identical
    const again = join(dir, "c.json");
    expect(immsched([...args, "--json", again]).status).toBe(0);
    expect(JSON.parse(readFileSync(again, "utf8"))).toEqual(out);
  });

  it("sweeps Dysta-recipe rates, one scenario per rate", () => {
    const json = join(dir, "d.json");
    const r = immsched([
      "bench",
      "--scenario",
      "dysta",
      "--rate",
      "20,80",
      "--slo-mult",
      "10",
      "--duration-ms",
      "300",
      "--policy",
      "dysta,immsched",
      "--seeds",
      "1",
      "--json",
      json,
      "--quiet",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(json, "utf8"));
    expect(out.runs.map((x: { scenario: string }) => x.scenario)).toEqual(["dysta@20/s", "dysta@20/s", "dysta@80/s", "dysta@80/s"]);
    // latency-bound throughput: the highest swept rate with at most 5% violations, per policy
    for (const policy of ["dysta", "immsched"]) {
      const ok = [20, 80].filter((rate) => out.scenarios[`dysta@${rate}/s`][policy].violationRate <= 0.05);
      expect(out.lbt[policy]).toBe(ok.length ? Math.max(...ok) : 0);
    }
    expect(r.stdout).toMatch(/latency-bound throughput/);
  });

  for (const [flag, value, message] of [
    ["--policy", "fcfs,magic", /unknown policy "magic"/],
    ["--seeds", "5-1", /--seeds range/],
    ["--board", "20x20", /--board expects WxH with at most 256 tiles/],
    ["--rate", "-3", /--rate must be a positive number/],
  ] as const) {
    it(`exits 2 for ${flag} ${value}`, () => {
      const r = immsched(["bench", flag, value, "--quiet"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it("exits 2 naming a scenario file that does not parse", () => {
    const r = immsched(["bench", "--scenario", join(dir, "missing.json"), "--policy", "fcfs", "--seeds", "1", "--quiet"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing\.json/);
  });
});
