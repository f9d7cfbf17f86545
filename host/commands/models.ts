// `immsched models`: what the cost model predicts for each model of a scenario on a board, the
// figures every policy's decisions rest on: the whole-array (layer-temporal) latency and energy,
// and per pipeline variant the partitioner offers (host/workloads/profiles.ts) its stages, lanes,
// tiles, latency and energy at median sparsity.

import { writeFileAtomic } from "../formats/write-atomic.js";
import { loadScenario } from "../workloads/scenario.js";
import type { CompiledModel } from "../workloads/profiles.js";
import { EXIT_OK } from "./exit.js";

export interface ModelVariantView {
  stages: number;
  lanes: number;
  tiles: number;
  latencyMs: number;
  energyMJ: number;
}

export interface ModelView {
  name: string;
  wholeArrayMs: number;
  energyMJ: number;
  variants: ModelVariantView[];
}

export interface ModelsCommandOptions {
  scenario: string;
  board: { width: number; height: number };
  json?: string;
}

/** One model as `immsched models` reports it. */
export function modelView(cm: CompiledModel): ModelView {
  return {
    name: cm.name,
    wholeArrayMs: cm.entry.isolatedNs / 1e6,
    energyMJ: cm.isolatedEnergyPJ / 1e9,
    variants: cm.variants.map((v) => ({
      stages: v.plan.stages,
      lanes: v.lanes,
      tiles: v.tiles,
      latencyMs: v.estimate.totalNs / 1e6,
      energyMJ: v.estimate.energyPJ / 1e9,
    })),
  };
}

export function modelsTable(models: readonly ModelView[]): string {
  const lines = ["| model | whole array ms | mJ | variants: stages x lanes = tiles, ms, mJ |", "| --- | --- | --- | --- |"];
  for (const m of models) {
    const variants = m.variants
      .map((v) => `${v.stages}x${v.lanes}=${v.tiles}: ${v.latencyMs.toFixed(3)} ms, ${v.energyMJ.toFixed(2)} mJ`)
      .join(" · ");
    lines.push(`| ${m.name} | ${m.wholeArrayMs.toFixed(3)} | ${m.energyMJ.toFixed(2)} | ${variants} |`);
  }
  return lines.join("\n");
}

export async function modelsCommand(opts: ModelsCommandOptions): Promise<number> {
  const board = { mesh: { width: opts.board.width, height: opts.board.height, torus: false } };
  const scenario = loadScenario(opts.scenario, { seed: 1, board });
  const models = scenario.compiled.map(modelView);
  const out = process.stdout;
  out.write(`# immsched models\n\nscenario: ${scenario.name} · board ${opts.board.width}x${opts.board.height} mesh · median sparsity\n\n`);
  out.write(`${modelsTable(models)}\n`);
  if (opts.json) {
    await writeFileAtomic(opts.json, `${JSON.stringify({ models }, null, 2)}\n`);
    out.write(`\njson: ${opts.json}\n`);
  }
  return EXIT_OK;
}
