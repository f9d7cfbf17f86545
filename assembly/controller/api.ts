// The controller's exports: the model table, the three events, and what the host reads back.
// Times are f64 nanoseconds of the host's clock (virtual or wall): the core has no clock.

import { ioInts, ioFloats, IO_INTS, IO_FLOATS } from "../io";
import { MAX_STAGES, targetTiles } from "../graph";
import { OK, E_IO_OVERFLOW, E_NO_TARGET, E_BUDGET, E_NODE_RANGE, E_STAGE_COUNT, E_SELF_LOOP, E_PARAM, E_POLICY, E_MODEL_TABLE } from "../status";
import { setParam } from "./params";
import {
  MAX_MODELS, MAX_LAYERS, MAX_VARIANTS, modelCount, modelLayerStart, modelLayerCount,
  modelIsolatedNs, layerEstNs, layerSuffixNs, variantCount, variantStages, variantEstNs, variantEnergyPJ,
  variantSucc, variantIndex, modelsReset, modelsAdd, layersUsedCount,
} from "./models";
import {
  controllerReset, onArrival, onStageDone, onTaskDone, decisionWork, checkInvariants,
  placements, preemptions, controllerPolicy,
} from "./controller";
import { commandWords, commandLength, commandCount } from "./commands";
import { tileOwner, NO_OWNER } from "./ownership";
import { taskId } from "./tasks";
import { setXrbenchTick } from "../policies/xrbench";


export function controllerIoInts(): usize {
  return changetype<usize>(ioInts);
}
export function controllerIoFloats(): usize {
  return changetype<usize>(ioFloats);
}

export function modelsClear(): void {
  modelsReset();
}

/** Adds a model whose `layers` per-layer estimates (ns) are in the float buffer; returns its id. */
export function modelAdd(layers: i32, isolatedNs: f64): i32 {
  if (layers < 1 || layers > IO_FLOATS) return E_IO_OVERFLOW;
  if (modelCount >= MAX_MODELS || layersUsedCount() + layers > MAX_LAYERS) return E_MODEL_TABLE;
  const m = modelCount;
  const start = layersUsedCount();
  unchecked((modelLayerStart[m] = start));
  unchecked((modelLayerCount[m] = layers));
  unchecked((modelIsolatedNs[m] = isolatedNs));
  for (let i = 0; i < layers; i++) unchecked((layerEstNs[start + i] = ioFloats[i]));
  // suffix sums: R of a task that has finished i layers is one lookup
  const base = start + m;
  unchecked((layerSuffixNs[base + layers] = 0));
  for (let i = layers - 1; i >= 0; i--) {
    unchecked((layerSuffixNs[base + i] = layerSuffixNs[base + i + 1] + ioFloats[i]));
  }
  unchecked((variantCount[m] = 0));
  modelsAdd(layers);
  return m;
}

/** Adds a pipeline variant of `stages` stages to a model; its `edges` (u, v) pairs are in the int buffer. */
export function modelAddVariant(model: i32, stages: i32, estNs: f64, energyPJ: f64, edges: i32): i32 {
  if (model < 0 || model >= modelCount) return E_NODE_RANGE;
  if (stages < 1 || stages > MAX_STAGES) return E_STAGE_COUNT;
  if (edges < 0 || edges * 2 > IO_INTS) return E_IO_OVERFLOW;
  const v = unchecked(variantCount[model]);
  if (v >= MAX_VARIANTS) return E_MODEL_TABLE;
  const vi = variantIndex(model, v);
  const base = vi * MAX_STAGES;
  for (let i = 0; i < MAX_STAGES; i++) unchecked((variantSucc[base + i] = 0));
  for (let e = 0; e < edges; e++) {
    const a = unchecked(ioInts[2 * e]);
    const b = unchecked(ioInts[2 * e + 1]);
    if (<u32>a >= <u32>stages || <u32>b >= <u32>stages) return E_NODE_RANGE;
    if (a == b) return E_SELF_LOOP;
    unchecked((variantSucc[base + a] |= <u64>1 << <u64>b));
  }
  unchecked((variantStages[vi] = stages));
  unchecked((variantEstNs[vi] = estNs));
  unchecked((variantEnergyPJ[vi] = energyPJ));
  unchecked((variantCount[model] = v + 1));
  return v;
}

/**
 * Starts a run: the loaded target is the board (all tiles free), the policy (ids in
 * policies/registry.ts) with its state reset, a work budget per placement solve and the seed.
 */
export function controllerStart(policy: i32, solveBudget: f64, seed: u32): i32 {
  if (targetTiles == 0) return E_NO_TARGET;
  if (!(solveBudget >= 1) || solveBudget != Math.floor(solveBudget)) return E_BUDGET;
  return controllerReset(policy, <u64>solveBudget, seed) ? OK : E_POLICY;
}

/** After controllerStart: sets knob `id` (controller/params.ts PARAM_*); E_PARAM when unknown or out of range. */
export function controllerSetParam(id: i32, value: f64): i32 {
  return setParam(id, value) ? OK : E_PARAM;
}

/** After controllerStart: size placements by the fixed rule even under an elastic policy (an ablation). */
export function controllerFixedSizing(): void {
  controllerPolicy().elastic = false;
}

/** XRBench's base tick (ns) for the xrbench policy: an idle array starts a task only on it or at a completion. */
export function xrbenchTick(ns: f64): void {
  setXrbenchTick(ns);
}

/** Debug: traps at once (`unreachable`). The host calls it in place of an event to test its recovery from a trapped core. */
export function debugTrap(): void {
  unreachable();
}

/** Each event returns the number of commands queued (read them at controllerCommands()). */
export function controllerArrival(id: u32, model: i32, priority: i32, arrivalNs: f64, deadlineNs: f64, now: f64): i32 {
  onArrival(id, model, priority, arrivalNs, deadlineNs, now);
  return commandCount;
}
export function controllerStageDone(id: u32, stage: i32, measuredNs: f64, now: f64): i32 {
  onStageDone(id, stage, measuredNs, now);
  return commandCount;
}
export function controllerTaskDone(id: u32, now: f64): i32 {
  onTaskDone(id, now);
  return commandCount;
}

export function controllerCommands(): usize {
  return changetype<usize>(commandWords);
}
export function controllerCommandWords(): i32 {
  return commandLength;
}
/** Work units of the last event's decision: the host charges them to the timeline. */
export function controllerWork(): f64 {
  return <f64>decisionWork();
}
export function controllerInvariants(): i32 {
  return checkInvariants();
}
export function controllerPlacements(): u32 {
  return placements;
}
export function controllerPreemptions(): u32 {
  return preemptions;
}

/** Writes the owning task id of every tile (-1: free) to the int buffer; returns the tile count. */
export function controllerTileMap(): i32 {
  for (let t = 0; t < targetTiles; t++) {
    const o = <i32>unchecked(tileOwner[t]);
    unchecked((ioInts[t] = o == <i32>NO_OWNER ? -1 : <i32>unchecked(taskId[o])));
  }
  return targetTiles;
}
