// The accelerator cost model (docs/ARCHITECTURE.md "Cost model of the accelerator"), by hand, no simulator:
//  - a layer's work: MACs = N*K*C*(Y-R+1)*(X-S+1)*R*S (MAESTRO/XRBench CONV fields);
//  - layer-temporal: a layer on the whole array with XRBench's weight-stationary (NVDLA-like)
//    mapping, compute-bound or DRAM-bound (activations and weights go through DRAM);
//  - tile-spatial: a k-stage pipeline (a stage = consecutive layers on one tile) streaming its input
//    in D data tiles (bands of rows): latency = fill (sum of stage times per data tile) + (D - 1) *
//    slowest stage + NoC hops, computed exactly by the pipeline recurrence below (equal to that
//    formula on a chain). Activations stay on chip; weights stay on their tile when they fit, and
//    D is chosen so that a data tile's activations fit the tile buffer;
//  - the checkpoint of live activations to DRAM at a pre-emption, and the energy of every run.
// All constants come from constants.ts. Sparsity enters as a `scale` on compute work (1 = the
// model's average sparsity, which is what the controller's estimates assume).

import type { PipelineProfile } from "../board/profile.js";
import { type AcceleratorConfig, cycleNs, tileCountOf, tileWeightCapacityBytes, totalPEs } from "./constants.js";

/** Layer kinds of MAESTRO's description language that the model knows. */
export const LAYER_KINDS = ["CONV", "DSCONV"] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

/**
 * One layer in MAESTRO's convention: N batch, K output channels, C input channels, Y/X input
 * height/width (padding included, as in the files), R/S kernel height/width, strides (1 in XRBench).
 * DSCONV is depthwise (one input channel per output channel, K = C).
 */
export interface Layer {
  name: string;
  kind: LayerKind;
  N: number;
  K: number;
  C: number;
  Y: number;
  X: number;
  R: number;
  S: number;
  strideY: number;
  strideX: number;
}

/** A CONV layer from the seven fields (stride 1), for tests and built-in models. */
export function conv(
  name: string,
  d: { N?: number; K: number; C: number; Y: number; X: number; R: number; S: number; stride?: number },
): Layer {
  return {
    name,
    kind: "CONV",
    N: d.N ?? 1,
    K: d.K,
    C: d.C,
    Y: d.Y,
    X: d.X,
    R: d.R,
    S: d.S,
    strideY: d.stride ?? 1,
    strideX: d.stride ?? 1,
  };
}

export interface LayerShape {
  /** Output height and width. */
  Yo: number;
  Xo: number;
  /** Kernel taps that touch real input (R, S unless the kernel is larger than the input). */
  Re: number;
  Se: number;
  /** Input channels each output channel reads (C, or 1 for depthwise). */
  Ce: number;
}

/**
 * Output size (Y-R)/stride+1. Some XRBench layers have a kernel larger than their input (3x3 on a
 * 2x2 map in HT_hand_graph_cnn_half, 5x5 on 5x4 in GE_FBNet_C): read as a padded convolution with
 * one output position per excess, where only the Y x X taps that touch the input do work.
 */
export function layerShape(l: Layer): LayerShape {
  const Re = Math.min(l.R, l.Y);
  const Se = Math.min(l.S, l.X);
  return {
    Yo: l.Y >= l.R ? Math.floor((l.Y - l.R) / l.strideY) + 1 : 1,
    Xo: l.X >= l.S ? Math.floor((l.X - l.S) / l.strideX) + 1 : 1,
    Re,
    Se,
    Ce: l.kind === "DSCONV" ? 1 : l.C,
  };
}

/** MACs of a layer: N*K*C*(Y-R+1)*(X-S+1)*R*S for a stride-1 CONV (C = 1 per output for depthwise). */
export function layerMacs(l: Layer): number {
  const s = layerShape(l);
  return l.N * l.K * s.Ce * s.Yo * s.Xo * s.Re * s.Se;
}

export function weightElements(l: Layer): number {
  return l.K * (l.kind === "DSCONV" ? 1 : l.C) * l.R * l.S;
}

export function inputElements(l: Layer): number {
  return l.N * l.C * l.Y * l.X;
}

export function outputElements(l: Layer): number {
  const s = layerShape(l);
  return l.N * l.K * s.Yo * s.Xo;
}

/** How a WS dataflow spreads a layer over `pes` PEs (XRBench WS.m: C x K unrolled, output columns over the rest). */
export interface Mapping {
  pes: number;
  cUnroll: number;
  kUnroll: number;
  xUnroll: number;
  /** Operand delivery into the PEs (B/cycle). */
  feedBytesPerCycle: number;
  /** Cycles each step waits beyond its MACs. */
  stepLatencyCycles: number;
}

function mapping(pes: number, cfg: AcceleratorConfig, feed: number, latency: number): Mapping {
  const u = Math.max(1, Math.min(cfg.maxChannelUnroll, Math.floor(Math.sqrt(pes))));
  return {
    pes,
    cUnroll: u,
    kUnroll: u,
    xUnroll: Math.max(1, Math.floor(pes / (u * u))),
    feedBytesPerCycle: feed,
    stepLatencyCycles: latency,
  };
}

/** All tiles as one array: 4096 PEs -> 16 x 16 x 16 as in XRBench's WS.m. */
export function arrayMapping(cfg: AcceleratorConfig): Mapping {
  return mapping(totalPEs(cfg), cfg, cfg.arrayFeedBytesPerCyclePerTile * tileCountOf(cfg), cfg.arrayStepLatencyCycles);
}

/** One tile: 64 PEs -> 8 x 8 channels, one output column at a time, fed by the tile's own buffer. */
export function tileMapping(cfg: AcceleratorConfig): Mapping {
  return mapping(cfg.pesPerTile, cfg, cfg.tileBufferBytesPerCycle, cfg.tileStepLatencyCycles);
}

export interface MappedCompute {
  /** Temporal steps of the mapping: N * ceil(K/ku) * ceil(C/cu) * Y' * ceil(X'/xu). */
  steps: number;
  /** Cycles of one step: max(R*S MACs per PE, operand traffic / feed bandwidth) + step latency. */
  stepCycles: number;
  cycles: number;
  /** Bytes moved from the buffer into the PEs over the whole layer (input windows, partial sums, weights once). */
  onChipBytes: number;
}

/**
 * Cycles of a layer under a WS mapping. Each step, every active PE holds one weight column and
 * runs its R*S taps; the input rows under the active output columns come in and the partial sums
 * go out (ku each); the step lasts as long as the slower of the MACs and that traffic, plus the
 * NoC/reduction latency. Neighbouring output columns share S-1 of their S input columns, and the
 * multicast NoC (Single_4K.m: top_noc_multicast, col_noc_multicast) sends a shared column once: a
 * step of `ax` columns reads cu*R*(ax+S-1) inputs, not cu*R*S*ax (MAESTRO's spatial reuse of a
 * sliding window, Kwon et al., MICRO 2019, "Understanding Reuse, Performance, and Hardware Cost of
 * DNN Dataflows", sec. 3). On one tile (one column a step) the two are the same.
 */
export function mappedCompute(l: Layer, m: Mapping, cfg: AcceleratorConfig): MappedCompute {
  const s = layerShape(l);
  const ceil = (a: number, b: number) => Math.ceil(a / b);
  const steps = l.N * ceil(l.K, m.kUnroll) * ceil(s.Ce, m.cUnroll) * s.Yo * ceil(s.Xo, m.xUnroll);
  const ax = Math.min(s.Xo, m.xUnroll);
  const trafficElems = Math.min(s.Ce, m.cUnroll) * s.Re * (ax + s.Se - 1) + ax * Math.min(l.K, m.kUnroll);
  const trafficBytes = trafficElems * cfg.bytesPerElement;
  const stepCycles = Math.max(s.Re * s.Se, trafficBytes / m.feedBytesPerCycle) + m.stepLatencyCycles;
  return {
    steps,
    stepCycles,
    cycles: steps * stepCycles,
    onChipBytes: steps * trafficBytes + weightElements(l) * cfg.bytesPerElement,
  };
}

/** Mean Manhattan distance between two uniformly random tiles of a w x h mesh: (w^2-1)/3w + (h^2-1)/3h. */
export function meanMeshHops(w: number, h: number): number {
  return (w * w - 1) / (3 * w) + (h * h - 1) / (3 * h);
}

/** A layer on the whole array (layer-temporal), split into what sparsity scales and what it does not. */
export interface TemporalLayerCost {
  macs: number;
  /** Compute time at scale 1 (ns). */
  computeNs: number;
  /** Switching the whole array to this layer (ns): neither sparsity nor DRAM overlaps it. */
  setupNs: number;
  /** DRAM time of input + output activations and weights (ns). */
  dramNs: number;
  dramBytes: number;
  onChipBytes: number;
  /** MAC energy at scale 1 (pJ). */
  computePJ: number;
  /** Buffer, NoC and DRAM energy (pJ). */
  memoryPJ: number;
}

export function temporalLayerCost(l: Layer, cfg: AcceleratorConfig): TemporalLayerCost {
  const mc = mappedCompute(l, arrayMapping(cfg), cfg);
  const dramBytes = (inputElements(l) + outputElements(l) + weightElements(l)) * cfg.bytesPerElement;
  const hops = meanMeshHops(cfg.meshWidth, cfg.meshHeight);
  const macs = layerMacs(l);
  return {
    macs,
    computeNs: mc.cycles * cycleNs(cfg),
    setupNs: cfg.arrayLayerSetupCycles * cycleNs(cfg),
    dramNs: (dramBytes / cfg.dramBytesPerCycle) * cycleNs(cfg),
    dramBytes,
    onChipBytes: mc.onChipBytes,
    computePJ: macs * cfg.macPJ,
    memoryPJ: mc.onChipBytes * (cfg.globalBufferPJPerByte + cfg.nocPJPerByteHop * hops) + dramBytes * cfg.dramPJPerByte,
  };
}

/** Time and energy of one layer on the whole array with its compute work scaled by `scale`. */
export function temporalLayerAt(c: TemporalLayerCost, scale = 1): { ns: number; energyPJ: number } {
  return { ns: Math.max(c.computeNs * scale, c.dramNs) + c.setupNs, energyPJ: c.computePJ * scale + c.memoryPJ };
}

/** Isolated latency (ns) and energy (pJ) of a model run layer by layer on the whole array. */
export function isolatedTemporal(
  layers: readonly Layer[],
  cfg: AcceleratorConfig,
  scales?: readonly number[],
): { ns: number; energyPJ: number } {
  let ns = 0;
  let energyPJ = 0;
  layers.forEach((l, i) => {
    const r = temporalLayerAt(temporalLayerCost(l, cfg), scales?.[i] ?? 1);
    ns += r.ns;
    energyPJ += r.energyPJ;
  });
  return { ns, energyPJ };
}

/** A layer on one tile (tile-spatial), for stage building. */
export interface TileLayerCost {
  macs: number;
  /** Compute time on one tile over the whole input, at scale 1 (ns). */
  computeNs: number;
  computePJ: number;
  /** Tile buffer energy (pJ). */
  sramPJ: number;
  weightBytes: number;
  inBytes: number;
  outBytes: number;
}

export function tileLayerCost(l: Layer, cfg: AcceleratorConfig): TileLayerCost {
  const mc = mappedCompute(l, tileMapping(cfg), cfg);
  const macs = layerMacs(l);
  return {
    macs,
    computeNs: mc.cycles * cycleNs(cfg),
    computePJ: macs * cfg.macPJ,
    sramPJ: mc.onChipBytes * cfg.tileSramPJPerByte,
    weightBytes: weightElements(l) * cfg.bytesPerElement,
    inBytes: inputElements(l) * cfg.bytesPerElement,
    outBytes: outputElements(l) * cfg.bytesPerElement,
  };
}

/** One pipeline stage (consecutive layers on one tile), with sparsity already applied. */
export interface PipelineStage {
  /** Compute time of all its layers over the whole input (ns). */
  computeNs: number;
  /** MAC and tile-buffer energy of its layers (pJ). */
  energyPJ: number;
  weightBytes: number;
  /** Bytes it reads from DRAM besides weights (the model's input) and writes to it (the model's output). */
  dramInBytes: number;
  dramOutBytes: number;
  /** Largest input + output activation of one of its layers over the whole input (B): a data tile's share must fit the tile buffer. */
  activationBytes: number;
  /** Activations passed between its own layers over the whole input (B): what it spills when it runs layer by layer. */
  innerBytes: number;
  /** Bytes it receives from the neighbouring lanes over their links when its layers are split (split.ts), over the whole input. */
  exchangeBytes?: number;
}

/**
 * Weight bytes a stage moves from DRAM per data tile beyond what stays on its tile. Weights that do
 * not fit are either re-streamed for every data tile, or the stage runs layer by layer over all
 * data tiles, loading each layer's weights once and spilling its inner activations to DRAM and back;
 * it takes the cheaper (the latency model keeps the pipelined shape either way).
 */
export function streamedBytesPerDataTile(s: PipelineStage, dataTiles: number, cfg: AcceleratorConfig): number {
  const excess = Math.max(0, s.weightBytes - tileWeightCapacityBytes(cfg));
  if (excess === 0) return 0;
  return Math.min(excess, (excess + 2 * s.innerBytes) / dataTiles);
}

/** Activations crossing from stage `from` to stage `to` over one NoC link, per run (B). */
export interface PipelineEdge {
  from: number;
  to: number;
  bytes: number;
}

/**
 * DRAM bandwidth a task on k tiles gets (B/ns): the port is split evenly over the tiles, so tasks on
 * disjoint tiles never oversubscribe it; within the task the share is pooled (one DMA queue).
 */
export function dramShareBytesPerNs(cfg: AcceleratorConfig, tiles: number): number {
  return (cfg.dramBytesPerCycle * cfg.clockGHz * tiles) / tileCountOf(cfg);
}

interface StageTiming {
  /** Per data tile: the slowest of compute, DRAM streaming and incoming link transfer (ns). */
  beat: number;
  /** When its resident weights are in (ns): weights load in stage order before the first data tile. */
  ready: number;
}

function stageTimings(
  stages: readonly PipelineStage[],
  edges: readonly PipelineEdge[],
  dataTiles: number,
  cfg: AcceleratorConfig,
): StageTiming[] {
  const share = dramShareBytesPerNs(cfg, stages.length);
  const cap = tileWeightCapacityBytes(cfg);
  const link = cfg.nocLinkBytesPerCycle * cfg.clockGHz;
  const inLink = new Array<number>(stages.length).fill(0);
  for (const e of edges) inLink[e.to] = Math.max(inLink[e.to]!, e.bytes / dataTiles / link);
  // a split stage's halo or gather arrives over its lane link while it computes (double-buffered)
  for (const [i, s] of stages.entries()) inLink[i] = Math.max(inLink[i]!, (s.exchangeBytes ?? 0) / dataTiles / link);
  let loaded = 0;
  let streamed = 0;
  const out = stages.map((s, i) => {
    const kept = Math.min(s.weightBytes, cap);
    const compute = s.computeNs / dataTiles + cfg.dataTileOverheadCycles * cycleNs(cfg);
    const bytes = streamedBytesPerDataTile(s, dataTiles, cfg) + (s.dramInBytes + s.dramOutBytes) / dataTiles;
    streamed += bytes;
    loaded += kept;
    return { beat: Math.max(compute, bytes / share, inLink[i]!), ready: loaded / share };
  });
  // all stages' streaming shares the task's DRAM bandwidth: no beat can be shorter than all of it
  const floor = streamed / share;
  let slowest = 0;
  out.forEach((t, i) => {
    if (t.beat > out[slowest]!.beat) slowest = i;
  });
  out[slowest]!.beat = Math.max(out[slowest]!.beat, floor);
  return out;
}

/**
 * The PipelineProfile of a k-stage pipeline streaming `dataTiles` data tiles. Stages are in a
 * topological order (edges go from lower to higher index) and each stage edge sits on one NoC link.
 * Finish time of stage i on data tile j (a pipeline of single servers, double-buffered):
 *   F(i,j) = max( max over predecessors p of F(p,j) + hop,  F(i,j-1) or the weight preload ) + beat_i
 * where beat_i = max(compute per data tile, DRAM streaming per data tile, incoming link transfer).
 * On a chain with no preload this is the closed form fill + (D-1) * slowest + (k-1) * hop.
 */
export function pipelineProfile(
  stages: readonly PipelineStage[],
  edges: readonly PipelineEdge[],
  dataTiles: number,
  cfg: AcceleratorConfig,
): PipelineProfile {
  const k = stages.length;
  if (k === 0) throw new RangeError("a pipeline needs at least one stage");
  if (!Number.isInteger(dataTiles) || dataTiles < 1) throw new RangeError(`data tiles must be a positive integer, got ${dataTiles}`);
  const preds: number[][] = Array.from({ length: k }, () => []);
  for (const e of edges) {
    if (!(e.from < e.to && e.to < k && e.from >= 0))
      throw new RangeError(`pipeline edge ${e.from}->${e.to} is not forward between stages 0..${k - 1}`);
    preds[e.to]!.push(e.from);
  }
  const t = stageTimings(stages, edges, dataTiles, cfg);
  const hop = cfg.nocHopCycles * cycleNs(cfg);
  const last = new Float64Array(k);
  for (const [i, s] of t.entries()) last[i] = s.ready; // F(i,-1): ready when the weights are in
  const row = new Float64Array(k);
  for (let j = 0; j < dataTiles; j++) {
    for (let i = 0; i < k; i++) {
      let start = last[i]!;
      for (const p of preds[i]!) start = Math.max(start, row[p]! + hop);
      row[i] = start + t[i]!.beat;
    }
    last.set(row);
  }
  // stage i reports done once it and every stage before it finished (parallel branches may end out of order)
  const stageDoneNs: number[] = [];
  let running = 0;
  for (let i = 0; i < k; i++) {
    running = Math.max(running, last[i]!);
    stageDoneNs.push(running);
  }
  const cap = tileWeightCapacityBytes(cfg);
  const dramBytes = stages.reduce(
    (a, s) => a + Math.min(s.weightBytes, cap) + streamedBytesPerDataTile(s, dataTiles, cfg) * dataTiles + s.dramInBytes + s.dramOutBytes,
    0,
  );
  const edgeBytes = edges.reduce((a, e) => a + e.bytes, 0) + stages.reduce((a, s) => a + (s.exchangeBytes ?? 0), 0);
  const energyPJ =
    stages.reduce((a, s) => a + s.energyPJ, 0) + edgeBytes * (cfg.nocPJPerByteHop + cfg.tileSramPJPerByte) + dramBytes * cfg.dramPJPerByte;
  const ck = checkpointCost(edges, dataTiles, k, cfg);
  return {
    stages: k,
    stageDoneNs,
    stageBusyNs: t.map((s) => s.beat * dataTiles),
    totalNs: stageDoneNs[k - 1]!,
    beatNs: Math.max(...t.map((s) => s.beat)),
    energyPJ,
    checkpointNs: ck.ns,
    checkpointEnergyPJ: ck.energyPJ,
  };
}

/**
 * Pre-empting a pipeline at a beat: every stage edge holds one finished data tile that its consumer
 * has not taken yet; those live activations go to DRAM through the task's share of the port (and
 * come back the same way at a resume). Weights are not saved: they are reloaded from DRAM.
 */
export function checkpointCost(
  edges: readonly PipelineEdge[],
  dataTiles: number,
  stages: number,
  cfg: AcceleratorConfig,
): { bytes: number; ns: number; energyPJ: number } {
  const bytes = edges.reduce((a, e) => a + e.bytes / dataTiles, 0);
  const ns = cfg.checkpointFixedCycles * cycleNs(cfg) + bytes / dramShareBytesPerNs(cfg, stages);
  return { bytes, ns, energyPJ: bytes * (cfg.dramPJPerByte + cfg.tileSramPJPerByte) };
}

/**
 * Data-tile counts a pipeline may use: powers of two up to maxDataTiles such that a data tile keeps
 * at least dataTileRows rows of the first layer's output (a data tile is a band of rows).
 */
export function dataTileChoices(firstOutputRows: number, cfg: AcceleratorConfig): number[] {
  const max = Math.max(1, Math.min(cfg.maxDataTiles, Math.floor(firstOutputRows / cfg.dataTileRows)));
  const out: number[] = [];
  for (let d = 1; d <= max; d *= 2) out.push(d);
  return out;
}

/** Fewest data tiles for which every stage's largest layer (input + output of one data tile) fits its tile buffer. */
export function minDataTiles(stages: readonly PipelineStage[], cfg: AcceleratorConfig): number {
  return Math.max(1, ...stages.map((s) => Math.ceil(s.activationBytes / cfg.tileBufferBytes)));
}

/**
 * The data-tile count of a pipeline: among the counts whose data tiles fit the tile buffers (the
 * largest count if none does), the one with the lowest energy-delay product, the smaller count on a
 * tie. More data tiles shorten the fill but re-stream the weights a tile cannot hold: on a
 * weight-heavy model, latency alone would buy a few percent of speed with many times the DRAM energy.
 */
export function bestDataTiles(
  stages: readonly PipelineStage[],
  edges: readonly PipelineEdge[],
  firstOutputRows: number,
  cfg: AcceleratorConfig,
): { dataTiles: number; profile: PipelineProfile } {
  const all = dataTileChoices(firstOutputRows, cfg);
  const need = minDataTiles(stages, cfg);
  const fitting = all.filter((d) => d >= need);
  let best: { dataTiles: number; profile: PipelineProfile; edp: number } | undefined;
  for (const d of fitting.length ? fitting : [all[all.length - 1]!]) {
    const profile = pipelineProfile(stages, edges, d, cfg);
    const edp = profile.totalNs * profile.energyPJ;
    if (!best || edp < best.edp) best = { dataTiles: d, profile, edp };
  }
  return { dataTiles: best!.dataTiles, profile: best!.profile };
}
