// Estimates shared by the policies: what remains of a task, its isolated latency and its slack.

import {
  modelIsolatedNs, suffixAt, variantEstNs, variantStages, variantIndex, variantCount,
  modelLayerStart, layerEstNs, modelLayerCount,
} from "../controller/models";
import { taskModel, taskDone, taskVariant, taskDeadlineNs, taskGamma } from "../controller/tasks";

/** Isolated latency of the task's model on the whole array (ns). */
// @ts-ignore: decorator
@inline export function isolatedNs(slot: i32): f64 {
  return unchecked(modelIsolatedNs[unchecked(taskModel[slot])]);
}

/** Estimated remaining latency on the whole array: the unfinished layers' estimates (ns). */
export function remainingTemporalNs(slot: i32): f64 {
  const m = unchecked(taskModel[slot]);
  return suffixAt(m, min(unchecked(taskDone[slot]), unchecked(modelLayerCount[m])));
}

/** Estimated time of the task's next layer on the whole array (ns). */
export function nextLayerNs(slot: i32): f64 {
  const m = unchecked(taskModel[slot]);
  const done = unchecked(taskDone[slot]);
  if (done >= unchecked(modelLayerCount[m])) return 1;
  return unchecked(layerEstNs[unchecked(modelLayerStart[m]) + done]);
}

/** Fastest estimated pipeline latency among the model's variants (ns). */
export function fastestVariantNs(model: i32): f64 {
  let best = Infinity;
  const n = unchecked(variantCount[model]);
  for (let v = 0; v < n; v++) best = min(best, unchecked(variantEstNs[variantIndex(model, v)]));
  return best;
}

/** Estimated remaining latency in tile-spatial mode (ns): the chosen variant's share left. */
export function remainingSpatialNs(slot: i32): f64 {
  const m = unchecked(taskModel[slot]);
  const v = unchecked(taskVariant[slot]);
  if (v < 0) return fastestVariantNs(m);
  const k = unchecked(variantStages[variantIndex(m, v)]);
  const left = <f64>max(0, k - unchecked(taskDone[slot])) / <f64>k;
  return unchecked(variantEstNs[variantIndex(m, v)]) * max(left, 0.05);
}

/** Dysta's corrected remaining latency: gamma (measured / estimated so far) times the estimate. */
export function correctedRemainingNs(slot: i32): f64 {
  return taskGamma(slot) * remainingTemporalNs(slot);
}

/** Time to the deadline (ns), negative once it has passed. */
// @ts-ignore: decorator
@inline export function timeLeftNs(slot: i32, now: f64): f64 {
  return unchecked(taskDeadlineNs[slot]) - now;
}
