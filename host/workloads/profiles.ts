// From a model and the accelerator configuration to what the runtime consumes:
//  - once per model, the controller's ModelEntry (host/core/controller.ts): per-layer estimates on
//    the whole array at the model's median sparsity, the isolated latency, and the pipeline
//    variants (stage graph + estimated latency) of every placeable stage count;
//  - once per task (per sample), its actual TaskProfile (firmware-bridge/board/profile.ts): layer
//    times and energies on the whole array and the PipelineProfile of every variant, under that
//    sample's sparsity.
// Everything that does not depend on the sample (layer costs, stage cuts, data-tile counts, edge
// traffic) is computed once in compileModel, so a sample costs O(layers x variants).

import type { ModelEntry } from "../core/controller.js";
import type { PipelineProfile, TaskProfile } from "../../firmware-bridge/board/profile.js";
import type { AcceleratorConfig } from "../../firmware-bridge/accelerator/constants.js";
import {
  type PipelineEdge,
  type PipelineStage,
  type TemporalLayerCost,
  type TileLayerCost,
  bestDataTiles,
  layerShape,
  pipelineProfile,
  temporalLayerAt,
  temporalLayerCost,
  tileLayerCost,
} from "../../firmware-bridge/accelerator/cost.js";
import { DEFAULT_SPARSITY, type ModelSpec, layerEdges } from "./dag.js";
import {
  DEFAULT_STAGE_COUNTS,
  type DroppedStageCount,
  MESH_RULES,
  type PlacementRules,
  type StagePlan,
  planVariants,
  stageOfLayers,
} from "./partition.js";
import { DEFAULT_SPARSITY_OPTIONS, type SparsityOptions, layerMedians, sampleScales } from "./sparsity.js";

/**
 * A variant with more stages must be at least this much faster than every variant with fewer
 * stages that is kept, or it is dropped: it would hold more tiles for nothing (weight-heavy models,
 * whose stages re-stream weights, gain little from more stages).
 */
export const MIN_VARIANT_GAIN = 0.05;

export interface CompileOptions {
  /** Stage counts to offer (default 1, 2, 4, 8, 16). */
  stageCounts?: readonly number[];
  /** What the board can hold (default: a mesh). */
  rules?: PlacementRules;
  sparsity?: SparsityOptions;
}

export interface CompiledVariant {
  plan: StagePlan;
  /** Data tiles the pipeline streams (chosen for the lowest estimated latency). */
  dataTiles: number;
  /** Stage of every layer. */
  layerStage: Int32Array;
  /** Activations crossing each stage edge per run (B). */
  edges: PipelineEdge[];
  /** Per stage, what sparsity does not change: weights, DRAM input/output, largest activation (B). */
  stageBytes: Array<Omit<PipelineStage, "computeNs" | "energyPJ">>;
  /** The pipeline at median sparsity. */
  estimate: PipelineProfile;
}

export interface CompiledModel {
  spec: ModelSpec;
  name: string;
  config: AcceleratorConfig;
  temporal: TemporalLayerCost[];
  tile: TileLayerCost[];
  /** Median sparsity of every layer. */
  medians: number[];
  sparsityOptions: SparsityOptions;
  variants: CompiledVariant[];
  /** Stage counts not offered, and why. */
  dropped: DroppedStageCount[];
  entry: ModelEntry;
  /** Whole-array energy of a run at median sparsity (pJ). */
  isolatedEnergyPJ: number;
}

export function compileModel(spec: ModelSpec, cfg: AcceleratorConfig, opts: CompileOptions = {}): CompiledModel {
  const n = spec.layers.length;
  const temporal = spec.layers.map((l) => temporalLayerCost(l, cfg));
  const tile = spec.layers.map((l) => tileLayerCost(l, cfg));
  const edges = layerEdges(spec);
  const preds = new Int32Array(n);
  const succs = new Int32Array(n);
  for (const [a, b] of edges) {
    succs[a]!++;
    preds[b]!++;
  }
  const tiles = cfg.meshWidth * cfg.meshHeight;
  const { plans, dropped } = planVariants(
    tile.map((c) => c.computeNs),
    edges,
    opts.stageCounts ?? DEFAULT_STAGE_COUNTS,
    tiles,
    opts.rules ?? MESH_RULES,
  );
  // data tiles are bands of the first layer's output rows
  const firstRows = layerShape(spec.layers[0]!).Yo;
  const variants = plans.map((plan): CompiledVariant => {
    const k = plan.stages;
    const layerStage = stageOfLayers(plan.starts, n);
    const stageBytes = Array.from({ length: k }, () => ({ weightBytes: 0, dramInBytes: 0, dramOutBytes: 0, activationBytes: 0, innerBytes: 0 }));
    for (let i = 0; i < n; i++) {
      const b = stageBytes[layerStage[i]!]!;
      const c = tile[i]!;
      b.weightBytes += c.weightBytes;
      if (preds[i] === 0) b.dramInBytes += c.inBytes;
      if (succs[i] === 0) b.dramOutBytes += c.outBytes;
      b.activationBytes = Math.max(b.activationBytes, c.inBytes + c.outBytes);
    }
    const innerFrom = new Set<number>();
    for (const [a, b] of edges) {
      if (layerStage[a] === layerStage[b] && !innerFrom.has(a)) {
        innerFrom.add(a);
        stageBytes[layerStage[a]!]!.innerBytes += tile[a]!.outBytes;
      }
    }
    // a layer's output crosses to each other stage that reads it once
    const bytes = new Map<number, number>();
    const sent = new Set<number>();
    for (const [a, b] of edges) {
      const sa = layerStage[a]!;
      const sb = layerStage[b]!;
      if (sa === sb || sent.has(a * k + sb)) continue;
      sent.add(a * k + sb);
      bytes.set(sa * k + sb, (bytes.get(sa * k + sb) ?? 0) + tile[a]!.outBytes);
    }
    const pEdges = plan.edges.map(([from, to]) => ({ from, to, bytes: bytes.get(from * k + to) ?? 0 }));
    const best = bestDataTiles(buildStages(tile, layerStage, stageBytes, undefined), pEdges, firstRows, cfg);
    return { plan, dataTiles: best.dataTiles, layerStage, edges: pEdges, stageBytes, estimate: best.profile };
  });
  // drop dominated variants (plans come sorted by stage count)
  const kept: CompiledVariant[] = [];
  for (const v of variants) {
    const faster = kept.every((w) => v.estimate.totalNs <= w.estimate.totalNs * (1 - MIN_VARIANT_GAIN));
    if (faster) kept.push(v);
    else {
      const best = Math.min(...kept.map((w) => w.estimate.totalNs));
      dropped.push({ stages: v.plan.stages, reason: `dominated: ${(v.estimate.totalNs / 1e6).toFixed(3)} ms is not ${MIN_VARIANT_GAIN * 100}% faster than ${(best / 1e6).toFixed(3)} ms with fewer stages` });
    }
  }
  const layerEstNs = temporal.map((c) => temporalLayerAt(c, 1).ns);
  const isolatedEnergyPJ = temporal.reduce((a, c) => a + temporalLayerAt(c, 1).energyPJ, 0);
  const sparsityOptions = opts.sparsity ?? DEFAULT_SPARSITY_OPTIONS;
  return {
    spec,
    name: spec.name,
    config: cfg,
    temporal,
    tile,
    medians: layerMedians(spec.name, n, spec.sparsity ?? DEFAULT_SPARSITY, sparsityOptions),
    sparsityOptions,
    variants: kept,
    dropped: dropped.sort((a, b) => a.stages - b.stages),
    entry: {
      name: spec.name,
      layerEstNs,
      isolatedNs: layerEstNs.reduce((a, b) => a + b, 0),
      variants: kept.map((v) => ({ stages: v.plan.stages, estNs: v.estimate.totalNs, edges: v.plan.edges.map(([a, b]) => [a, b]) })),
    },
    isolatedEnergyPJ,
  };
}

/** The stages of a variant with per-layer compute scales applied (none: the estimate). */
function buildStages(
  tile: readonly TileLayerCost[],
  layerStage: Int32Array,
  stageBytes: ReadonlyArray<Omit<PipelineStage, "computeNs" | "energyPJ">>,
  scales: readonly number[] | undefined,
): PipelineStage[] {
  const k = stageBytes.length;
  const computeNs = new Float64Array(k);
  const energyPJ = new Float64Array(k);
  for (let i = 0; i < tile.length; i++) {
    const s = layerStage[i]!;
    const f = scales?.[i] ?? 1;
    computeNs[s]! += tile[i]!.computeNs * f;
    energyPJ[s]! += tile[i]!.computePJ * f + tile[i]!.sramPJ;
  }
  return stageBytes.map((b, s) => ({ ...b, computeNs: computeNs[s]!, energyPJ: energyPJ[s]! }));
}

export interface TaskSample {
  profile: TaskProfile;
  /** Whole-array latency and energy of this sample alone. */
  isolatedNs: number;
  isolatedEnergyPJ: number;
  /** Sparsity of every layer in this sample. */
  sparsity: number[];
}

/** The actual profile of one inference whose input is the sample seeded by `sampleSeed`. */
export function sampleTask(cm: CompiledModel, sampleSeed: number): TaskSample {
  const { sparsity, scales } = sampleScales(cm.medians, sampleSeed, cm.config.zeroSkipEfficiency, cm.sparsityOptions);
  return { ...profileAt(cm, scales), sparsity };
}

/** The profile at given per-layer compute scales (all 1: the controller's estimate). */
export function profileAt(cm: CompiledModel, scales?: readonly number[]): Omit<TaskSample, "sparsity"> {
  const layerNs: number[] = [];
  const layerEnergyPJ: number[] = [];
  let isolatedNs = 0;
  let isolatedEnergyPJ = 0;
  cm.temporal.forEach((c, i) => {
    const r = temporalLayerAt(c, scales?.[i] ?? 1);
    layerNs.push(r.ns);
    layerEnergyPJ.push(r.energyPJ);
    isolatedNs += r.ns;
    isolatedEnergyPJ += r.energyPJ;
  });
  const pipelines = new Map<number, PipelineProfile>();
  for (const v of cm.variants) {
    if (!scales) {
      pipelines.set(v.plan.stages, v.estimate);
      continue;
    }
    const stages = buildStages(cm.tile, v.layerStage, v.stageBytes, scales);
    pipelines.set(v.plan.stages, pipelineProfile(stages, v.edges, v.dataTiles, cm.config));
  }
  return { profile: { layerNs, layerEnergyPJ, pipelines }, isolatedNs, isolatedEnergyPJ };
}
