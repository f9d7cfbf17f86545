// XRBench's own numbers, checked through the engine: the scorer on XRBench's reference schedule,
// the xrbench policy (real Wasm core) against that schedule and the published scores with
// XRBench's own latencies (data/xrbench/reference_*), and the costs CSV's errors.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { xrbenchScore } from "../../../host/sim/metrics.js";
import type { TaskRecord } from "../../../host/sim/types.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { parseCostsCsv, readCostsCsv, withCosts } from "../../../host/workloads/xrbench-costs.js";
import { runPolicy } from "../../../host/bench/policy-bench.js";
import { InputError } from "../../../host/formats/input-error.js";

const data = (f: string) => fileURLToPath(new URL(`../../../data/xrbench/${f}`, import.meta.url));
const rows = (f: string) =>
  readFileSync(data(f), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((r) => r.split(","));
const NS = 1e6;

/** XRBench's schedule CSV as the engine's task records (every frame in it completed). */
function referenceSchedule(): TaskRecord[] {
  return rows("reference_schedule_VR_gaming_Single_4K_WS.csv").map((c, i) => ({
    id: i + 1,
    model: c[1]!,
    frame: Number(c[2]),
    priority: 1,
    arrivalNs: Number(c[3]) * NS,
    startNs: Number(c[4]) * NS,
    deadlineNs: Number(c[5]) * NS,
    finishNs: Number(c[6]) * NS,
    energyPJ: Number(c[8]) * 1e9,
    isolatedNs: 0,
    isolatedEnergyPJ: 0,
    preemptions: 0,
  }));
}

const reference = new Map(rows("reference_scores_WS.csv").map((c) => [`${c[0]}/${c[1]}`, Number(c[2])]));
const boardOf = (hw: string) => ({ mesh: { width: hw === "Single_4K" ? 8 : 16, height: 8, torus: false } });

describe("XRBench's score", () => {
  it("of XRBench's own VR_gaming schedule is its published 86.466", () => {
    expect(xrbenchScore(referenceSchedule())).toBeCloseTo(86.466141, 3);
    expect(reference.get("VR_gaming/Single_4K")).toBeCloseTo(86.466141, 6);
  });

  it("counts only what XRBench logged by its last event, and only models with a logged frame", () => {
    const all = referenceSchedule();
    // cut at 100 ms: frames finished later are not counted, so the score is that of the first ones
    const early = all.filter((t) => t.finishNs! <= 100 * NS);
    expect(xrbenchScore(all, 100 * NS)).toBeCloseTo(xrbenchScore(early), 9);
    expect(xrbenchScore(all, 1 * NS)).toBe(0);
  });
});

describe("the xrbench policy with XRBench's latencies", () => {
  it("reproduces XRBench's VR_gaming schedule on Single_4K frame by frame", async () => {
    const board = boardOf("Single_4K");
    const s = withCosts(loadScenario("VR_gaming", { seed: 1, board }), readCostsCsv(data("reference_models_Single_4K_WS.csv")), "csv");
    const { log } = await runPolicy(s, "xrbench", 1, { board, nsPerWork: 0 });
    const ours = new Map(log.tasks.map((t) => [`${t.model}#${t.frame}`, t]));
    const ref = referenceSchedule();
    for (const r of ref) {
      const t = ours.get(`${r.model}#${r.frame}`)!;
      expect(t.startNs! / NS, `${r.model}#${r.frame} dispatch`).toBeCloseTo(r.startNs! / NS, 3);
      expect(t.finishNs! / NS, `${r.model}#${r.frame} completion`).toBeCloseTo(r.finishNs! / NS, 3);
    }
    expect(ref).toHaveLength(115);
  });

  for (const hw of ["Single_4K", "Single_8K"]) {
    for (const scenario of ["VR_gaming", "AR_gaming"]) {
      it(`${scenario} on ${hw}: XRBench's score within 0.5 points`, async () => {
        const board = boardOf(hw);
        const s = withCosts(loadScenario(scenario, { seed: 1, board }), readCostsCsv(data(`reference_models_${hw}_WS.csv`)), "csv");
        const { metrics } = await runPolicy(s, "xrbench", 1, { board });
        const want = reference.get(`${scenario}/${hw}`)!;
        console.log(`xrbench ${scenario} ${hw}: ${metrics.xrbenchScore.toFixed(3)} (XRBench ${want.toFixed(3)})`);
        expect(Math.abs(metrics.xrbenchScore - want)).toBeLessThan(0.5);
      });
    }
  }
});

describe("a costs CSV in XRBench's form", () => {
  it("reads the reference files", () => {
    const c = readCostsCsv(data("reference_models_Single_8K_WS.csv"));
    expect(c.size).toBe(10);
    expect(c.get("ES_RITNet")).toEqual({ latencyMs: 0.873535, energyMJ: 34.56181 });
  });

  it.each([
    ["model,latency,energy\n", 1, undefined, /header/],
    ["model,isolated_latency_ms,energy_mJ\nA,1\n", 2, undefined, /3 fields/],
    ["model,isolated_latency_ms,energy_mJ\nA,1,2\nB,-1,2\n", 3, "isolated_latency_ms", /latency > 0/],
    ["model,isolated_latency_ms,energy_mJ\nA,1,zz\n", 2, "energy_mJ", /energy >= 0/],
    ["model,isolated_latency_ms,energy_mJ\nA,1,2\nA,1,2\n", 3, "model", /twice/],
  ])("rejects %j naming the line and field", (text, line, field, msg) => {
    try {
      parseCostsCsv(text, "f.csv");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const err = e as InputError;
      expect(err.file).toBe("f.csv");
      expect(err.line).toBe(line);
      expect(err.field).toBe(field);
      expect(err.message).toMatch(msg);
    }
  });

  it("needs a row for every model the scenario runs", () => {
    const board = boardOf("Single_4K");
    const s = loadScenario("VR_gaming", { seed: 1, board });
    expect(() => withCosts(s, parseCostsCsv("model,isolated_latency_ms,energy_mJ\nES_RITNet,1,1\n"), "f.csv")).toThrow(
      /f\.csv.*GE_FBNet_C/,
    );
  });
});
