// `immsched fidelity`: does the engine reproduce XRBench (Kwon et al., MLSys 2023)? Per scenario
// and hardware (Single_4K: the 8x8 board, Single_8K: 16x8, both 64 PEs a tile), the xrbench
// policy's score with XRBench's own per-model latencies and energies (data/xrbench/
// reference_models_*_WS.csv: the scheduler and the scorer alone) and with the engine's cost model
// (everything), beside XRBench's published score; per model, the cost model's whole-array latency
// over XRBench's. Where XRBench draws (Probability < 1) its published score is one clock-seeded
// draw: the engine's mean over seeds is compared with XRBench's 60-seed sweep where there is one
// (reference_scores_seed_sweep_WS.csv, Single_4K), else with that one draw.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../formats/write-atomic.js";
import { machineLine } from "../bench/machine.js";
import { meanMetrics } from "../sim/metrics.js";
import { runPolicy } from "../bench/policy-bench.js";
import { loadScenario } from "../workloads/scenario.js";
import { readCostsCsv, withCosts } from "../workloads/xrbench-costs.js";
import { isolatedTemporal } from "../../firmware-bridge/accelerator/cost.js";
import type { AcceleratorConfig } from "../../firmware-bridge/accelerator/constants.js";
import { EXIT_OK } from "./exit.js";

const DATA = fileURLToPath(new URL("../../data/xrbench/", import.meta.url));
export const FIDELITY_SCENARIOS = ["AR_gaming", "VR_gaming", "outdoor_activity_A", "outdoor_activity_B"] as const;

/** XRBench's two single-accelerator configurations as boards of 64-PE tiles (Single_4K.m, Single_8K.m). */
export const FIDELITY_HARDWARE = [
  { hw: "Single_4K", width: 8, height: 8, config: {} as Partial<AcceleratorConfig> },
  // Single_8K.m: 8192 PEs, 8 MiB global buffer, 16 KiB per PE; offchip_bw and NoC as Single_4K
  {
    hw: "Single_8K",
    width: 16,
    height: 8,
    config: { globalBufferBytes: 8 * 1024 * 1024, peLocalBytes: 16 * 1024 } as Partial<AcceleratorConfig>,
  },
] as const;

export interface FidelityPair {
  scenario: string;
  hw: string;
  /** Seeds the engine ran (one when XRBench does not draw). */
  seeds: number;
  stochastic: boolean;
  /** xrbench policy's score (mean over seeds) with XRBench's latencies and with the engine's cost model. */
  withXrbenchCosts: number;
  withEngineCosts: number;
  /** XRBench's score it is compared with, and what that is. */
  reference: number;
  referenceKind: "published" | "seed-sweep mean" | "one pinned draw";
}

export interface FidelityModel {
  hw: string;
  model: string;
  engineMs: number;
  xrbenchMs: number;
  ratio: number;
}

export interface FidelityResult {
  pairs: FidelityPair[];
  models: FidelityModel[];
}

function csvRows(file: string): string[][] {
  return readFileSync(DATA + file, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((r) => r.split(","));
}

export async function runFidelity(seedCount: number): Promise<FidelityResult> {
  const published = new Map(csvRows("reference_scores_WS.csv").map((c) => [`${c[0]}/${c[1]}`, Number(c[2])]));
  const sweep = new Map(csvRows("reference_scores_seed_sweep_WS.csv").map((c) => [`${c[0]}/${c[1]}`, Number(c[3])]));
  const pairs: FidelityPair[] = [];
  const models: FidelityModel[] = [];
  for (const h of FIDELITY_HARDWARE) {
    const board = { mesh: { width: h.width, height: h.height, torus: false } };
    const costsFile = `${DATA}reference_models_${h.hw}_WS.csv`;
    const costs = readCostsCsv(costsFile);
    const seen = new Set<string>();
    for (const scenario of FIDELITY_SCENARIOS) {
      const first = loadScenario(scenario, { seed: 1, board, config: h.config });
      const stochastic = first.xrbench!.networks.some((n) => n.probability < 1);
      const seeds = stochastic ? Array.from({ length: seedCount }, (_, i) => i + 1) : [1];
      const own = [];
      const theirs = [];
      for (const seed of seeds) {
        const s = seed === 1 ? first : loadScenario(scenario, { seed, board, config: h.config });
        own.push((await runPolicy(s, "xrbench", seed, { board, nsPerWork: 0 })).metrics);
        theirs.push((await runPolicy(withCosts(s, costs, costsFile), "xrbench", seed, { board, nsPerWork: 0 })).metrics);
      }
      const key = `${scenario}/${h.hw}`;
      const mean = sweep.get(key);
      pairs.push({
        scenario,
        hw: h.hw,
        seeds: seeds.length,
        stochastic,
        withXrbenchCosts: meanMetrics(theirs).xrbenchScore,
        withEngineCosts: meanMetrics(own).xrbenchScore,
        reference: stochastic && mean !== undefined ? mean : published.get(key)!,
        referenceKind: !stochastic ? "published" : mean !== undefined ? "seed-sweep mean" : "one pinned draw",
      });
      for (const spec of first.specs) {
        if (seen.has(spec.name)) continue;
        seen.add(spec.name);
        const engineMs = isolatedTemporal(spec.layers, first.config).ns / 1e6;
        const xrbenchMs = costs.get(spec.name)!.latencyMs;
        models.push({ hw: h.hw, model: spec.name, engineMs, xrbenchMs, ratio: engineMs / xrbenchMs });
      }
    }
  }
  return { pairs, models };
}

export function fidelityTables(r: FidelityResult): string {
  const lines = [
    "| scenario | hardware | seeds | xrbench policy, XRBench latencies | xrbench policy, engine cost model | XRBench | reference is | diff (XRBench lat.) | diff (engine costs) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of r.pairs) {
    const d = (v: number) => (v - p.reference >= 0 ? "+" : "") + (v - p.reference).toFixed(2);
    lines.push(
      `| ${p.scenario} | ${p.hw} | ${p.seeds} | ${p.withXrbenchCosts.toFixed(2)} | ${p.withEngineCosts.toFixed(2)} | ${p.reference.toFixed(2)} | ${p.referenceKind} | ${d(p.withXrbenchCosts)} | ${d(p.withEngineCosts)} |`,
    );
  }
  lines.push("", "| hardware | model | engine ms | XRBench ms | engine / XRBench |", "| --- | --- | --- | --- | --- |");
  for (const m of r.models)
    lines.push(`| ${m.hw} | ${m.model} | ${m.engineMs.toFixed(3)} | ${m.xrbenchMs.toFixed(3)} | ${m.ratio.toFixed(2)} |`);
  return lines.join("\n");
}

export async function fidelityCommand(opts: { json?: string; seeds: number }): Promise<number> {
  const t0 = performance.now();
  const r = await runFidelity(opts.seeds);
  const out = process.stdout;
  out.write("# immsched fidelity\n\n");
  out.write(`command: immsched fidelity ${process.argv.slice(3).join(" ")}\n`.replace(/ +\n$/, "\n"));
  out.write(`machine: ${machineLine()}\n`);
  out.write(`runs: xrbench policy, decisions charged nothing (as in XRBench), ${((performance.now() - t0) / 1000).toFixed(1)} s\n\n`);
  out.write(`${fidelityTables(r)}\n`);
  out.write(
    "\nXRBench: its published score (reference_scores_WS.csv); where a model runs with a Probability below 1 XRBench's score is one clock-seeded draw, so the engine's mean over seeds is compared with XRBench's 60-seed mean (reference_scores_seed_sweep_WS.csv) where it exists (Single_4K), else with that one draw.\n",
  );
  if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(r, null, 2)}\n`);
  return EXIT_OK;
}
