// Model variants (width variants): one network at several width multipliers, each with its
// accuracy, so that under load the controller can run a narrower, faster, less accurate copy of a
// model (SDRM3/DREAM's "model-level dynamism"). Not to be confused with the core's *pipeline*
// variants (modelAddVariant: k stages x m lanes of the SAME network, chosen by elastic sizing).
//
// A width variant w of a model is the network with every layer's output channels K and input
// channels C scaled by w (rounded up, at least 1), except the model's input channels (layers with
// no predecessor keep C) and its outputs (layers with no successor keep K): MobileNet's width
// multiplier alpha (Howard et al. 2017, section 3.3), so a layer's MACs scale by about w^2.
//
// Each variant becomes a model of its own in the core's model table, named `<model>@w<width>`;
// which one a task runs is chosen at its arrival by host/core/variant-selector.ts.

import type { Layer } from "../../firmware-bridge/accelerator/cost.js";
import { InputError, type InputLocation } from "../formats/input-error.js";
import { type ModelSpec, layerEdges } from "./dag.js";

/** One width variant as a scenario declares it. */
export interface ModelVariantDef {
  /** Width multiplier in (0, 1]; 1 is the model itself. */
  width: number;
  /** Its accuracy, 0..1 (top-1 or any score where higher is better; only differences are reported). */
  accuracy: number;
}

/**
 * The default set, for models whose scenario names none (XRBench, the Dysta recipe): MobileNet v1's
 * width multipliers and ImageNet top-1 accuracies (Howard et al. 2017, "MobileNets", Table 6:
 * 1.0 MobileNet-224 70.6 %, 0.75 68.4 %, 0.5 63.7 %), applied to every model as the accuracy it
 * loses relative to its own full width (2.2 and 6.9 points).
 */
export const DEFAULT_MODEL_VARIANTS: readonly ModelVariantDef[] = [
  { width: 1, accuracy: 0.706 },
  { width: 0.75, accuracy: 0.684 },
  { width: 0.5, accuracy: 0.637 },
];

/** The core's name of a model's width variant (the full width keeps the model's own name). */
export function variantModelName(model: string, width: number): string {
  return width === 1 ? model : `${model}@w${width}`;
}

/**
 * Checks a variant list: widths in (0, 1], distinct, width 1 present (the model itself, whose
 * accuracy the others are measured against), accuracies in [0, 1]. Returns it sorted widest first.
 */
export function checkVariantDefs(defs: readonly ModelVariantDef[], where: InputLocation = {}): ModelVariantDef[] {
  const at = (field: string) => ({ ...where, field: where.field ? `${where.field}.${field}` : field });
  if (defs.length === 0) throw new InputError("a variants list needs at least the model itself (width 1)", at("variants"));
  const seen = new Set<number>();
  defs.forEach((d, i) => {
    if (!(typeof d.width === "number" && d.width > 0 && d.width <= 1)) {
      throw new InputError(`width must be in (0, 1], got ${d.width}`, at(`variants[${i}].width`));
    }
    if (!(typeof d.accuracy === "number" && d.accuracy >= 0 && d.accuracy <= 1)) {
      throw new InputError(`accuracy must be in [0, 1], got ${d.accuracy}`, at(`variants[${i}].accuracy`));
    }
    if (seen.has(d.width)) throw new InputError(`width ${d.width} is listed twice`, at(`variants[${i}].width`));
    seen.add(d.width);
  });
  if (!seen.has(1)) throw new InputError("the variants must include width 1 (the model itself, with its accuracy)", at("variants"));
  return [...defs].sort((a, b) => b.width - a.width);
}

/** A channel count scaled by w: rounded up, at least 1. */
export function scaleChannels(n: number, w: number): number {
  return Math.max(1, Math.ceil(n * w - 1e-9));
}

/**
 * The model at width multiplier w (see the top of this file). A depthwise layer keeps C = K (both
 * scale alike). Width 1 returns the spec itself.
 */
export function widthScaled(spec: ModelSpec, w: number): ModelSpec {
  if (w === 1) return spec;
  const n = spec.layers.length;
  const hasPred = new Uint8Array(n);
  const hasSucc = new Uint8Array(n);
  for (const [a, b] of layerEdges(spec)) {
    hasSucc[a] = 1;
    hasPred[b] = 1;
  }
  const layers = spec.layers.map((l, i): Layer => {
    let K = hasSucc[i] ? scaleChannels(l.K, w) : l.K;
    let C = hasPred[i] ? scaleChannels(l.C, w) : l.C;
    if (l.kind === "DSCONV") {
      // depthwise: one filter per channel, C = K; an input or output layer keeps its count
      const keep = !hasPred[i] ? l.C : !hasSucc[i] ? l.K : undefined;
      K = C = keep ?? scaleChannels(l.C, w);
    }
    return { ...l, K, C };
  });
  const out: ModelSpec = { name: variantModelName(spec.name, w), layers };
  if (spec.edges) out.edges = spec.edges.map(([a, b]) => [a, b]);
  if (spec.sparsity !== undefined) out.sparsity = spec.sparsity;
  return out;
}
