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
import { type LaneLayerCost, laneLayerCost, rowSlice } from "../../firmware-bridge/accelerator/split.js";
import { MAX_STAGES } from "../formats/graphs.js";
import { DEFAULT_SPARSITY, type ModelSpec, layerEdges } from "./dag.js";
import {
  DEFAULT_STAGE_COUNTS,
  type DroppedStageCount,
  MESH_RULES,
  type PlacementRules,
  maxDegree,
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
  /** Lane counts each stage cut may be split over (default 1, 2, 4, 8; 1 alone: no layer split). */
  laneCounts?: readonly number[];
  /** What the board can hold (default: a mesh). */
  rules?: PlacementRules;
  sparsity?: SparsityOptions;
}

export interface CompiledVariant {
  /** The stage cut (plan.stages stages of concatenated layers). */
  plan: StagePlan;
  /** Lanes the stages are split over (split.ts): the pattern has plan.stages x lanes nodes. */
  lanes: number;
  /** Tiles the variant holds: plan.stages x lanes (the pattern's node count, the key of its pipeline). */
  tiles: number;
  /** Pattern edges: the stage graph in every lane, plus the links between neighbouring lanes of a stage. */
  edges: Array<[number, number]>;
  /** Data tiles each lane streams (chosen for the lowest estimated energy-delay product). */
  dataTiles: number;
  /** Stage of every layer. */
  layerStage: Int32Array;
  /** Activations crossing each stage edge of one lane per run (B). */
  laneEdges: PipelineEdge[];
  /** Per stage of one lane, what sparsity does not change: weights, DRAM input/output, largest activation, exchange (B). */
  stageBytes: Array<Omit<PipelineStage, "computeNs" | "energyPJ">>;
  /** The pipeline at median sparsity, all lanes (stage i of lane j is node i x lanes + j). */
  estimate: PipelineProfile;
}

export interface CompiledModel {
  spec: ModelSpec;
  name: string;
  config: AcceleratorConfig;
  temporal: TemporalLayerCost[];
  tile: TileLayerCost[];
  /** Per lane count, each layer's cost on one lane (lanes 1: `tile`). */
  laneCosts: Map<number, LaneLayerCost[]>;
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

/** Lane counts a stage cut may be split over (split.ts). */
export const DEFAULT_LANE_COUNTS: readonly number[] = [1, 2, 4, 8];

/**
 * Can a k-stage pipeline split over m lanes sit on a w x h mesh? Its pattern is the stage graph
 * times a path of m lanes; for a chain of stages that is a k x m grid, which a mesh holds as a
 * rectangle (a 2-wide ladder cannot turn a corner on a mesh, so no folding helps).
 */
export function lanesFit(k: number, m: number, w: number, h: number): boolean {
  if (m === 1) return k <= w * h;
  return (k <= h && m <= w) || (k <= w && m <= h);
}

/** The pattern of k stages over m lanes: node s x m + j is stage s of lane j. */
export function laneGraph(stageEdges: ReadonlyArray<readonly [number, number]>, k: number, m: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of stageEdges) for (let j = 0; j < m; j++) out.push([a * m + j, b * m + j]);
  for (let s = 0; s < k; s++) for (let j = 0; j + 1 < m; j++) out.push([s * m + j, s * m + j + 1]);
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** One lane's pipeline as every lane's: node i x m + j reports what stage i of any lane does. */
function acrossLanes(lane: PipelineProfile, m: number): PipelineProfile {
  if (m === 1) return lane;
  const spread = (xs: readonly number[]) => xs.flatMap((x) => new Array<number>(m).fill(x));
  return {
    ...lane,
    stages: lane.stages * m,
    stageDoneNs: spread(lane.stageDoneNs),
    stageBusyNs: spread(lane.stageBusyNs),
    energyPJ: lane.energyPJ * m,
    checkpointEnergyPJ: lane.checkpointEnergyPJ * m,
  };
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
  const rules = opts.rules ?? MESH_RULES;
  const { plans, dropped } = planVariants(
    tile.map((c) => c.computeNs),
    edges,
    opts.stageCounts ?? DEFAULT_STAGE_COUNTS,
    tiles,
    rules,
  );
  const laneCounts = (opts.laneCounts ?? DEFAULT_LANE_COUNTS).filter((m) => lanesFit(1, m, cfg.meshWidth, cfg.meshHeight));
  const laneCosts = new Map<number, LaneLayerCost[]>();
  for (const m of laneCounts)
    laneCosts.set(
      m,
      spec.layers.map((l) => laneLayerCost(l, m, cfg)),
    );

  const build = (plan: StagePlan, m: number): CompiledVariant => {
    const k = plan.stages;
    const lane = laneCosts.get(m)!;
    const layerStage = stageOfLayers(plan.starts, n);
    const stageBytes = Array.from({ length: k }, () => ({
      weightBytes: 0,
      dramInBytes: 0,
      dramOutBytes: 0,
      activationBytes: 0,
      innerBytes: 0,
      exchangeBytes: 0,
    }));
    for (let i = 0; i < n; i++) {
      const b = stageBytes[layerStage[i]!]!;
      const c = lane[i]!.lane;
      b.weightBytes += c.weightBytes;
      // the model's input comes from DRAM (halo and duplicated reads included); inner layers exchange over lane links
      if (preds[i] === 0) b.dramInBytes += c.inBytes;
      else b.exchangeBytes += lane[i]!.exchangeBytes;
      if (succs[i] === 0) b.dramOutBytes += c.outBytes;
      b.activationBytes = Math.max(b.activationBytes, c.inBytes + c.outBytes);
    }
    const innerFrom = new Set<number>();
    for (const [a, b] of edges) {
      if (layerStage[a] === layerStage[b] && !innerFrom.has(a)) {
        innerFrom.add(a);
        stageBytes[layerStage[a]!]!.innerBytes += lane[a]!.lane.outBytes;
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
      bytes.set(sa * k + sb, (bytes.get(sa * k + sb) ?? 0) + lane[a]!.lane.outBytes);
    }
    const laneEdges = plan.edges.map(([from, to]) => ({ from, to, bytes: bytes.get(from * k + to) ?? 0 }));
    // data tiles are bands of the first layer's output rows in the lane
    const first = lane[0]!.split === "rows" ? rowSlice(spec.layers[0]!, m) : spec.layers[0]!;
    // one lane of k stages gets 1/m of the DRAM share of k x m tiles: the share of k tiles, which
    // is what pipelineProfile gives a k-stage pipeline (cost.ts dramShareBytesPerNs)
    const best = bestDataTiles(buildStages(lane, layerStage, stageBytes, undefined), laneEdges, layerShape(first).Yo, cfg);
    return {
      plan,
      lanes: m,
      tiles: k * m,
      edges: laneGraph(plan.edges, k, m),
      dataTiles: best.dataTiles,
      layerStage,
      laneEdges,
      stageBytes,
      estimate: acrossLanes(best.profile, m),
    };
  };

  // per tile count, the fastest (stages x lanes) that the board holds
  const byTiles = new Map<number, CompiledVariant>();
  for (const plan of plans) {
    const stageDegree = maxDegree(plan.stages, plan.edges);
    for (const m of laneCounts) {
      const t = plan.stages * m;
      if (t > tiles || t > MAX_STAGES || !lanesFit(plan.stages, m, cfg.meshWidth, cfg.meshHeight)) continue;
      if (m > 1 && stageDegree + (m > 2 ? 2 : 1) > rules.maxDegree) continue;
      const v = build(plan, m);
      const had = byTiles.get(t);
      if (!had || v.estimate.totalNs < had.estimate.totalNs) byTiles.set(t, v);
    }
  }
  const variants = [...byTiles.values()].sort((a, b) => a.tiles - b.tiles);
  // drop dominated variants (more tiles for less than MIN_VARIANT_GAIN of speed)
  const kept: CompiledVariant[] = [];
  for (const v of variants) {
    const faster = kept.every((w) => v.estimate.totalNs <= w.estimate.totalNs * (1 - MIN_VARIANT_GAIN));
    if (faster) kept.push(v);
    else {
      const best = Math.min(...kept.map((w) => w.estimate.totalNs));
      dropped.push({
        stages: v.tiles,
        reason: `dominated: ${v.plan.stages} stages x ${v.lanes} lanes take ${(v.estimate.totalNs / 1e6).toFixed(3)} ms, not ${MIN_VARIANT_GAIN * 100}% faster than ${(best / 1e6).toFixed(3)} ms on fewer tiles`,
      });
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
    laneCosts,
    medians: layerMedians(spec.name, n, spec.sparsity ?? DEFAULT_SPARSITY, sparsityOptions),
    sparsityOptions,
    variants: kept,
    dropped: dropped.sort((a, b) => a.stages - b.stages),
    entry: {
      name: spec.name,
      layerEstNs,
      isolatedNs: layerEstNs.reduce((a, b) => a + b, 0),
      variants: kept.map((v) => ({
        stages: v.tiles,
        estNs: v.estimate.totalNs,
        energyPJ: v.estimate.energyPJ,
        edges: v.edges.map(([a, b]) => [a, b]),
      })),
    },
    isolatedEnergyPJ,
  };
}

/** The stages of one lane with per-layer compute scales applied (none: the estimate). */
function buildStages(
  lane: readonly LaneLayerCost[],
  layerStage: Int32Array,
  stageBytes: ReadonlyArray<Omit<PipelineStage, "computeNs" | "energyPJ">>,
  scales: readonly number[] | undefined,
): PipelineStage[] {
  const k = stageBytes.length;
  const computeNs = new Float64Array(k);
  const energyPJ = new Float64Array(k);
  for (let i = 0; i < lane.length; i++) {
    const s = layerStage[i]!;
    const f = scales?.[i] ?? 1;
    const c = lane[i]!.lane;
    computeNs[s]! += c.computeNs * f;
    energyPJ[s]! += c.computePJ * f + c.sramPJ;
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
      pipelines.set(v.tiles, v.estimate);
      continue;
    }
    const stages = buildStages(cm.laneCosts.get(v.lanes)!, v.layerStage, v.stageBytes, scales);
    pipelines.set(v.tiles, acrossLanes(pipelineProfile(stages, v.laneEdges, v.dataTiles, cm.config), v.lanes));
  }
  return { profile: { layerNs, layerEnergyPJ, pipelines }, isolatedNs, isolatedEnergyPJ };
}
