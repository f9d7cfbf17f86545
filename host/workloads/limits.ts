import { statSync } from "node:fs";
import { InputError } from "../formats/input-error.js";

// Bounds on what a scenario may ask for, checked on every input path (XRBench .m files, JSON
// traces and generators, the command line) before anything is expanded, so a hostile or broken
// input ends with a clear error instead of a hang or an exhausted heap.

/** Arrivals one scenario expands to (the soak's million fits twice over). */
export const MAX_ARRIVALS = 2_097_152;
/** Scenario files (.m, .json) larger than this are refused before they are read, bytes. */
export const MAX_SCENARIO_BYTES = 64 * 1024 * 1024;
/** Layers of one model: the core holds 8192 over all models (assembly/controller/models.ts MAX_LAYERS). */
export const MAX_MODEL_LAYERS = 8192;
/** A layer dimension (N, K, C, Y, X, R, S, strides): far above any real network, far below float trouble. */
export const MAX_LAYER_DIM = 1 << 20;

/** Refuses a file over MAX_SCENARIO_BYTES before reading it (a scenario is text a person or a tool wrote). */
export function checkFileSize(path: string): void {
  const size = statSync(path).size;
  if (size > MAX_SCENARIO_BYTES)
    throw new InputError(`is ${size} bytes, more than the ${MAX_SCENARIO_BYTES} a scenario file may have`, { file: path });
}
