// The model table: what the controller knows about each DNN before any task of it arrives,
// loaded once by the host from its cost model (firmware-bridge/accelerator) and partitioner.
//
// Layer-temporal policies need the estimated time of every layer on the whole array (and the
// suffix sums, so "remaining estimated latency" R is one lookup). Tile-spatial policies need the
// model's pipeline variants: the stage graph of each k-stage partition and its estimated latency.

import { MAX_STAGES } from "../graph";

export const MAX_MODELS: i32 = 32;
export const MAX_LAYERS: i32 = 8192; // over all models
export const MAX_VARIANTS: i32 = 8; // pipeline partitions per model

export const modelLayerStart = new StaticArray<i32>(MAX_MODELS);
export const modelLayerCount = new StaticArray<i32>(MAX_MODELS);
/** Isolated latency on the whole array (ns): the reference of ANTT, Dysta's P and PREMA's tokens. */
export const modelIsolatedNs = new StaticArray<f64>(MAX_MODELS);
/** Estimated ns of each layer on the whole array, at the model's average sparsity. */
export const layerEstNs = new StaticArray<f64>(MAX_LAYERS);
/** Estimated ns from layer i (inclusive) to the end of its model; one extra slot per model holds 0. */
export const layerSuffixNs = new StaticArray<f64>(MAX_LAYERS + MAX_MODELS);

export const variantCount = new StaticArray<i32>(MAX_MODELS);
export const variantStages = new StaticArray<i32>(MAX_MODELS * MAX_VARIANTS);
/** Estimated pipeline latency of a variant on its own tiles (ns). */
export const variantEstNs = new StaticArray<f64>(MAX_MODELS * MAX_VARIANTS);
/** Estimated energy of a run of a variant (pJ; 0 when the host gave none): what IMMSched's sizing trades against speed. */
export const variantEnergyPJ = new StaticArray<f64>(MAX_MODELS * MAX_VARIANTS);
/** Successor masks of each variant's stage graph (MAX_STAGES words per variant). */
export const variantSucc = new StaticArray<u64>(MAX_MODELS * MAX_VARIANTS * MAX_STAGES);

export let modelCount: i32 = 0;
let layersUsed: i32 = 0;

export function modelsReset(): void {
  modelCount = 0;
  layersUsed = 0;
  for (let m = 0; m < MAX_MODELS; m++) unchecked((variantCount[m] = 0));
}

export function layersUsedCount(): i32 {
  return layersUsed;
}

/** Records that a model of `layers` layers was added (api.ts filled its rows). */
export function modelsAdd(layers: i32): void {
  layersUsed += layers;
  modelCount++;
}

// @ts-ignore: decorator
@inline export function variantIndex(model: i32, v: i32): i32 {
  return model * MAX_VARIANTS + v;
}

/** Suffix slot of layer `i` of model m (i may equal the layer count: nothing left). */
// @ts-ignore: decorator
@inline export function suffixAt(model: i32, i: i32): f64 {
  return unchecked(layerSuffixNs[unchecked(modelLayerStart[model]) + model + i]);
}
