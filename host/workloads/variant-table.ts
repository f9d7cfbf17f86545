// A scenario's model variants compiled for its board (model-variants.ts defines them): per model,
// the choices the variant selector (host/core/variant-selector.ts) picks from, the core's model
// entries of the narrower widths, and how a task's sample runs at a given width.

import type { ModelEntry } from "../core/controller.js";
import type { VariantChoice } from "../core/variant-selector.js";
import type { ModelSpec } from "./dag.js";
import { InputError } from "../formats/input-error.js";
import { DEFAULT_MODEL_VARIANTS, type ModelVariantDef, variantModelName, widthScaled } from "./model-variants.js";
import { type CompiledModel, type TaskSample, sampleTask } from "./profiles.js";

export interface ModelVariantTable {
  /** Per model (its own name), its variants widest first; the first is the model itself. */
  choices: Map<string, VariantChoice[]>;
  /** The core's entries of the variants narrower than 1 (the full widths are the scenario's models). */
  entries: ModelEntry[];
  /** Compiled model of every variant by its core name (width 1: the model itself). */
  compiled: Map<string, CompiledModel>;
}

/** Models the core's table holds (assembly/controller/models.ts MAX_MODELS), widths included. */
export const CORE_MAX_MODELS = 32;
/** Layers it holds over all models (assembly/controller/models.ts MAX_LAYERS). */
export const CORE_MAX_LAYERS = 8192;

/** The same scaled spec object for the same model and width, so compiled variants are cached across seeds. */
const scaledCache = new WeakMap<ModelSpec, Map<number, ModelSpec>>();

function scaled(spec: ModelSpec, width: number): ModelSpec {
  let byWidth = scaledCache.get(spec);
  if (!byWidth) scaledCache.set(spec, (byWidth = new Map()));
  let s = byWidth.get(width);
  if (!s) byWidth.set(width, (s = widthScaled(spec, width)));
  return s;
}

/**
 * Compiles every model's variants (its own list, else DEFAULT_MODEL_VARIANTS) with `compile`, the
 * scenario's compiler for its board. A variant samples the sparsity of its model's layers (the
 * same input makes the same activations zero), so its medians are the model's.
 */
export function modelVariantTable(
  specs: readonly ModelSpec[],
  compiled: ReadonlyMap<string, CompiledModel>,
  compile: (specs: ModelSpec[]) => Map<string, CompiledModel>,
): ModelVariantTable {
  const table: ModelVariantTable = { choices: new Map(), entries: [], compiled: new Map() };
  // the core takes every width as a model of its own: refuse a table it cannot hold before any run
  let models = 0;
  let layers = 0;
  for (const spec of specs) {
    const widths = (spec.variants ?? DEFAULT_MODEL_VARIANTS).length;
    models += widths;
    layers += widths * spec.layers.length;
  }
  if (models > CORE_MAX_MODELS || layers > CORE_MAX_LAYERS) {
    throw new InputError(
      `with model variants the core would hold ${models} models of ${layers} layers in all, more than its ${CORE_MAX_MODELS} models or ${CORE_MAX_LAYERS} layers: list fewer models or fewer widths`,
      { field: "models" },
    );
  }
  for (const spec of specs) {
    const base = compiled.get(spec.name)!;
    const defs: readonly ModelVariantDef[] = spec.variants ?? DEFAULT_MODEL_VARIANTS;
    const full = defs.find((d) => d.width === 1)!;
    const narrow = defs.filter((d) => d.width !== 1);
    const made = compile(narrow.map((d) => scaled(spec, d.width)));
    const list: VariantChoice[] = [];
    for (const d of [...defs].sort((a, b) => b.width - a.width)) {
      const name = variantModelName(spec.name, d.width);
      const cm = d.width === 1 ? base : { ...made.get(name)!, medians: base.medians };
      table.compiled.set(name, cm);
      if (d.width !== 1) table.entries.push(cm.entry);
      list.push({ model: name, width: d.width, lossPoints: lossPoints(full.accuracy, d.accuracy), estNs: cm.entry.isolatedNs });
    }
    table.choices.set(spec.name, list);
  }
  return table;
}

/** Accuracy lost in percentage points, rounded to 1e-9 so that 0.706 - 0.684 reads 2.2. */
function lossPoints(full: number, variant: number): number {
  return Math.round((full - variant) * 100 * 1e9) / 1e9;
}

/** How task sample `sample` runs as the variant model named `model` (the board's VARIANT); undefined for a name not in the table. */
export function variantProfileOf(table: ModelVariantTable, model: string, sample: number): TaskSample["profile"] | undefined {
  const cm = table.compiled.get(model);
  return cm ? sampleTask(cm, sample).profile : undefined;
}

/** How task sample `sample` runs at variant `choice`. */
export function variantSample(table: ModelVariantTable, choice: VariantChoice, sample: number): TaskSample {
  const cm = table.compiled.get(choice.model);
  if (!cm) throw new Error(`no compiled model variant ${choice.model}`);
  return sampleTask(cm, sample);
}
