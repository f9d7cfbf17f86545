// Per-model costs in XRBench's own form (data/xrbench/reference_models_Single_*_WS.csv:
// `model,isolated_latency_ms,energy_mJ`), to run a scenario with XRBench/MAESTRO's latencies and
// energies instead of the engine's cost model (`immsched bench --costs FILE`). That keeps the
// scheduler's and the score's errors apart from the cost model's. Every error names the file, the
// line and the field.

import { readFileSync } from "node:fs";
import { InputError } from "../formats/input-error.js";
import type { WorkloadArrival } from "./arrivals.js";
import { type CompiledModel, sampleTask } from "./profiles.js";
import type { Scenario } from "./scenario.js";

export interface ModelCost {
  /** Isolated whole-array latency of one inference (ms) and its energy (mJ). */
  latencyMs: number;
  energyMJ: number;
}

const HEADER = ["model", "isolated_latency_ms", "energy_mJ"] as const;

/** Parses the text of a costs CSV: a header naming the three columns, then one row per model. */
export function parseCostsCsv(text: string, file = "<inline>"): Map<string, ModelCost> {
  const lines = text.split(/\r?\n/);
  const head = (lines[0] ?? "").split(",").map((s) => s.trim());
  if (head.length !== HEADER.length || HEADER.some((h, i) => head[i] !== h)) {
    throw new InputError(`expected the header "${HEADER.join(",")}", got "${lines[0] ?? ""}"`, { file, line: 1 });
  }
  const out = new Map<string, ModelCost>();
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (raw.trim() === "") return;
    const cells = raw.split(",").map((s) => s.trim());
    if (cells.length !== HEADER.length)
      throw new InputError(`expected ${HEADER.length} fields (${HEADER.join(",")}), got ${cells.length}`, { file, line });
    const [model, lat, en] = cells as [string, string, string];
    if (model === "") throw new InputError("empty model name", { file, line, field: "model" });
    if (out.has(model)) throw new InputError(`model '${model}' is listed twice`, { file, line, field: "model" });
    const latencyMs = Number(lat);
    if (lat === "" || !Number.isFinite(latencyMs) || latencyMs <= 0) {
      throw new InputError(`expected a latency > 0 ms, got "${lat}"`, { file, line, field: "isolated_latency_ms" });
    }
    const energyMJ = Number(en);
    if (en === "" || !Number.isFinite(energyMJ) || energyMJ < 0) {
      throw new InputError(`expected an energy >= 0 mJ, got "${en}"`, { file, line, field: "energy_mJ" });
    }
    out.set(model, { latencyMs, energyMJ });
  });
  if (out.size === 0) throw new InputError("no model rows after the header", { file, line: 2 });
  return out;
}

export function readCostsCsv(path: string): Map<string, ModelCost> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read: ${(e as Error).message}`, { file: path });
  }
  return parseCostsCsv(text, path);
}

/**
 * The scenario with every model's whole-array (layer-temporal) latency and energy scaled to the
 * CSV's figure: each layer's time and energy by the same factor, so the layer shares of the cost
 * model and the per-frame sparsity variation stay; at the model's median sparsity a frame takes
 * exactly the CSV's latency and energy. Tile-spatial pipelines are not XRBench's and keep the cost
 * model's figures. A model the scenario runs without a row is an error naming the file.
 */
export function withCosts(s: Scenario, costs: ReadonlyMap<string, ModelCost>, file: string): Scenario {
  const compiled = s.compiled.map((cm): CompiledModel => {
    const c = costs.get(cm.name);
    if (!c) throw new InputError(`no row for model '${cm.name}', which scenario ${s.name} runs`, { file, field: "model" });
    const rl = (c.latencyMs * 1e6) / cm.entry.isolatedNs;
    const re = (c.energyMJ * 1e9) / cm.isolatedEnergyPJ;
    const temporal = cm.temporal.map((t) => ({
      ...t,
      computeNs: t.computeNs * rl,
      setupNs: t.setupNs * rl,
      dramNs: t.dramNs * rl,
      computePJ: t.computePJ * re,
      memoryPJ: t.memoryPJ * re,
    }));
    const layerEstNs = cm.entry.layerEstNs.map((ns) => ns * rl);
    return {
      ...cm,
      temporal,
      entry: { ...cm.entry, layerEstNs, isolatedNs: layerEstNs.reduce((a, b) => a + b, 0) },
      isolatedEnergyPJ: cm.isolatedEnergyPJ * re,
    };
  });
  const byName = new Map(compiled.map((c) => [c.name, c]));
  const arrivals = s.arrivals.map((a): WorkloadArrival => {
    const t = sampleTask(byName.get(a.model)!, a.sample);
    return { ...a, profile: t.profile, isolatedNs: t.isolatedNs, isolatedEnergyPJ: t.isolatedEnergyPJ };
  });
  return { ...s, compiled, models: compiled.map((c) => c.entry), arrivals };
}
