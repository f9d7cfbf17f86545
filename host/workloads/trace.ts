// The project's own scenario format (docs/SCENARIO.md), JSON, validated by zod; every error names
// the file and the field. Two forms:
//  - a trace: the models and every arrival spelled out (what `saveTrace` writes, so any run's
//    workload can be replayed exactly);
//  - a generator: a recipe ("dysta" or "xrbench") with its parameters, expanded with the run's seed.

import { readFileSync } from "node:fs";
import { MAX_ARRIVALS, MAX_LAYER_DIM, MAX_MODEL_LAYERS, checkFileSize } from "./limits.js";
import { z } from "zod";
import { InputError, parseJson } from "../formats/input-error.js";
import { zodInputError } from "../formats/zod-error.js";
import { type Target, parseTarget } from "../formats/graphs.js";
import { type AcceleratorConfig, defaultConfig } from "../../firmware-bridge/accelerator/constants.js";
import { type Layer, LAYER_KINDS } from "../../firmware-bridge/accelerator/cost.js";
import { type ModelSpec, checkModel } from "./dag.js";
import { checkVariantDefs } from "./model-variants.js";
import type { WorkloadArrival } from "./arrivals.js";

const posInt = z.number().int("expected an integer").min(1, "expected a positive integer");
const dim = posInt.max(MAX_LAYER_DIM, `expected at most ${MAX_LAYER_DIM}`);
const index = z.number().int("expected an integer").nonnegative("expected an index >= 0");
const u32 = z.number().int("expected an integer").min(0).max(0xffffffff, "expected a 32-bit unsigned integer");

export const LayerSchema = z.strictObject({
  name: z.string().optional(),
  type: z.enum(LAYER_KINDS).optional(),
  N: dim.optional(),
  K: dim,
  C: dim,
  Y: dim,
  X: dim,
  R: dim,
  S: dim,
  stride: dim.optional(),
  strideY: dim.optional(),
  strideX: dim.optional(),
});

/** A model: a name from the pool (XRBench networks, built-in DAGs), optionally with its sparsity, or inline layers. */
export const ModelSchema = z.union([
  z.string().min(1, "expected a model name"),
  z.strictObject({
    name: z.string().min(1, "expected a model name"),
    layers: z
      .array(LayerSchema)
      .min(1, "a model needs at least one layer")
      .max(MAX_MODEL_LAYERS, `a model has at most ${MAX_MODEL_LAYERS} layers`)
      .optional(),
    edges: z.array(z.tuple([index, index])).optional(),
    sparsity: z.number().min(0).lt(1, "sparsity must be below 1").optional(),
    /** Model variants (width variants, host/workloads/model-variants.ts): used when the run turns variants on. */
    variants: z
      .array(
        z.strictObject({
          width: z.number().gt(0, "width must be > 0").max(1, "width must be at most 1"),
          accuracy: z.number().min(0, "accuracy must be in [0, 1]").max(1, "accuracy must be in [0, 1]"),
        }),
      )
      .min(1, "a variants list needs at least the model itself (width 1)")
      .optional(),
  }),
]);

export const ArrivalSchema = z
  .strictObject({
    t_ms: z.number().nonnegative("arrival times are >= 0"),
    model: z.string().min(1, "expected a model name"),
    priority: posInt.optional(),
    deadline_ms: z.number().nonnegative().optional(),
    slo_mult: z.number().positive("slo_mult must be > 0").optional(),
    frame: index.optional(),
    after: z.strictObject({ model: z.string().min(1), frame: index }).optional(),
    sample: u32.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.deadline_ms !== undefined && a.slo_mult !== undefined) {
      ctx.addIssue({ code: "custom", message: "give deadline_ms or slo_mult, not both", path: ["deadline_ms"] });
    }
    if (a.deadline_ms !== undefined && a.deadline_ms < a.t_ms) {
      ctx.addIssue({
        code: "custom",
        message: `deadline ${a.deadline_ms} ms is before the arrival at ${a.t_ms} ms`,
        path: ["deadline_ms"],
      });
    }
  });

const common = {
  version: z.literal(1, "expected version 1"),
  name: z.string().optional(),
  /** The board the trace was made for (a Target, docs/ARCHITECTURE.md "Data formats"). */
  board: z.unknown().optional(),
  /** Overrides of the accelerator cost model (firmware-bridge/accelerator/constants.ts). */
  config: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  /** Pipeline stage counts offered for every model. */
  stageCounts: z.array(posInt).min(1).optional(),
};

export const TraceSchema = z.strictObject({
  ...common,
  /** slo_mult of arrivals that give neither deadline_ms nor slo_mult. */
  sloMult: z.number().positive().optional(),
  models: z.array(ModelSchema).min(1, "a trace needs at least one model"),
  arrivals: z
    .array(ArrivalSchema)
    .min(1, "a trace needs at least one arrival")
    .max(MAX_ARRIVALS, `a trace has at most ${MAX_ARRIVALS} arrivals`),
});

export const DystaGeneratorSchema = z.strictObject({
  ...common,
  recipe: z.literal("dysta"),
  rate: z.number().positive("rate is in tasks/s, > 0"),
  sloMult: z.number().positive("sloMult must be > 0"),
  durationMs: z.number().positive("durationMs must be > 0"),
  models: z.array(ModelSchema).min(1, "the recipe needs at least one model"),
  priorities: z.array(posInt).min(1).optional(),
  seed: u32.optional(),
});

export const XrbenchGeneratorSchema = z.strictObject({
  ...common,
  recipe: z.literal("xrbench"),
  /** An XRBench scenario name (VR_gaming, ...) or a .m path relative to this file. */
  scenario: z.string().min(1),
  durationMs: z.number().positive().optional(),
  seed: u32.optional(),
});

export type TraceDoc = z.infer<typeof TraceSchema>;
export type DystaGeneratorDoc = z.infer<typeof DystaGeneratorSchema>;
export type XrbenchGeneratorDoc = z.infer<typeof XrbenchGeneratorSchema>;
export type ScenarioDoc =
  | ({ kind: "trace" } & TraceDoc)
  | ({ kind: "dysta" } & DystaGeneratorDoc)
  | ({ kind: "xrbench" } & XrbenchGeneratorDoc);
export type ModelRef = z.infer<typeof ModelSchema>;
export type LayerDoc = z.infer<typeof LayerSchema>;

/** What a model reference may be, said when neither shape fits. */
const MODEL_SHAPES = 'expected a model name or {"name", "layers"?, "edges"?, "sparsity"?}';

/** Validates a parsed JSON value as a scenario document. */
export function parseScenarioDoc(value: unknown, file?: string): ScenarioDoc {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError('expected a JSON object: {"version": 1, "models", "arrivals"} or {"version": 1, "recipe", ...}', { file });
  }
  const recipe = (value as Record<string, unknown>).recipe;
  let doc: ScenarioDoc;
  if (recipe === undefined) {
    const r = TraceSchema.safeParse(value);
    if (!r.success) throw zodInputError(r.error, { file }, MODEL_SHAPES);
    doc = { kind: "trace", ...r.data };
  } else if (recipe === "dysta") {
    const r = DystaGeneratorSchema.safeParse(value);
    if (!r.success) throw zodInputError(r.error, { file }, MODEL_SHAPES);
    doc = { kind: "dysta", ...r.data };
  } else if (recipe === "xrbench") {
    const r = XrbenchGeneratorSchema.safeParse(value);
    if (!r.success) throw zodInputError(r.error, { file }, MODEL_SHAPES);
    doc = { kind: "xrbench", ...r.data };
  } else {
    throw new InputError(`unknown recipe ${JSON.stringify(recipe)} (expected "dysta" or "xrbench")`, { file, field: "recipe" });
  }
  if (doc.board !== undefined) {
    try {
      parseTarget(doc.board);
    } catch (e) {
      if (e instanceof InputError) throw e.within({ file, field: "board" });
      throw e;
    }
  }
  if (doc.config !== undefined) configOverrides(doc.config, file);
  return doc;
}

/** Reads, parses and validates a scenario JSON file. */
export function readScenarioDoc(path: string): ScenarioDoc {
  let text: string;
  try {
    checkFileSize(path);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read: ${(e as Error).message}`, { file: path });
  }
  return parseScenarioDoc(parseJson(text, { file: path }), path);
}

/** Cost-model overrides from JSON, checked by defaultConfig; errors name the field. */
export function configOverrides(raw: Record<string, number | string>, file?: string): Partial<AcceleratorConfig> {
  try {
    defaultConfig(raw as Partial<AcceleratorConfig>);
  } catch (e) {
    if (e instanceof RangeError) {
      const m = /field "([^"]+)"/.exec(e.message);
      throw new InputError(e.message.replace(/^accelerator config: /, ""), { file, field: m ? `config.${m[1]}` : "config" });
    }
    throw e;
  }
  return raw as Partial<AcceleratorConfig>;
}

/** A layer from its JSON form. */
export function layerFromDoc(d: LayerDoc, i: number): Layer {
  return {
    name: d.name ?? `layer${i}`,
    kind: d.type ?? "CONV",
    N: d.N ?? 1,
    K: d.K,
    C: d.C,
    Y: d.Y,
    X: d.X,
    R: d.R,
    S: d.S,
    strideY: d.strideY ?? d.stride ?? 1,
    strideX: d.strideX ?? d.stride ?? 1,
  };
}

/** An inline model from its JSON form, checked (edges in range and forward); `field` locates it in the file. */
export function modelFromDoc(m: Exclude<ModelRef, string> & { layers: LayerDoc[] }, file: string | undefined, field: string): ModelSpec {
  const spec: ModelSpec = { name: m.name, layers: m.layers.map(layerFromDoc) };
  if (m.edges) spec.edges = m.edges.map(([a, b]) => [a, b]);
  if (m.sparsity !== undefined) spec.sparsity = m.sparsity;
  if (m.variants) spec.variants = checkVariantDefs(m.variants, { file, field });
  return checkModel(spec, { file, field });
}

/** The JSON form of a model: its name when the pool has it unchanged, else its layers (and edges). */
export function modelToDoc(spec: ModelSpec, pool: ReadonlyMap<string, ModelSpec>): ModelRef {
  const known = pool.get(spec.name);
  if (known && sameLayers(known, spec) && spec.variants) {
    const out: Exclude<ModelRef, string> = { name: spec.name, variants: spec.variants.map((v) => ({ ...v })) };
    if (spec.sparsity !== undefined && spec.sparsity !== known.sparsity) out.sparsity = spec.sparsity;
    return out;
  }
  if (known && sameLayers(known, spec)) {
    return spec.sparsity !== undefined && spec.sparsity !== known.sparsity ? { name: spec.name, sparsity: spec.sparsity } : spec.name;
  }
  const out: Exclude<ModelRef, string> = {
    name: spec.name,
    layers: spec.layers.map((l) => {
      const d: LayerDoc = { name: l.name, K: l.K, C: l.C, Y: l.Y, X: l.X, R: l.R, S: l.S };
      if (l.kind !== "CONV") d.type = l.kind;
      if (l.N !== 1) d.N = l.N;
      if (l.strideY !== 1) d.strideY = l.strideY;
      if (l.strideX !== 1) d.strideX = l.strideX;
      return d;
    }),
  };
  if (spec.edges) out.edges = spec.edges.map(([a, b]) => [a, b]);
  if (spec.sparsity !== undefined) out.sparsity = spec.sparsity;
  if (spec.variants) out.variants = spec.variants.map((v) => ({ ...v }));
  return out;
}

function sameLayers(a: ModelSpec, b: ModelSpec): boolean {
  return JSON.stringify([a.layers, a.edges ?? null]) === JSON.stringify([b.layers, b.edges ?? null]);
}

/** ns to ms for the file: integers of ns stay exact through Math.round(ms * 1e6). */
const ms = (ns: number) => ns / 1e6;

/**
 * The trace form of a run's workload: every model and every arrival with its deadline and sample
 * seed, so that loading it gives the same arrivals and the same profiles.
 */
export function toTraceDoc(
  w: {
    name: string;
    specs: readonly ModelSpec[];
    arrivals: readonly WorkloadArrival[];
    board?: Target;
    config?: Partial<AcceleratorConfig>;
    stageCounts?: readonly number[];
  },
  pool: ReadonlyMap<string, ModelSpec>,
): TraceDoc {
  const doc: TraceDoc = {
    version: 1,
    name: w.name,
    models: w.specs.map((s) => modelToDoc(s, pool)),
    arrivals: w.arrivals.map((a) => {
      const out: z.infer<typeof ArrivalSchema> = {
        t_ms: ms(a.arrivalNs),
        model: a.model,
        priority: a.priority,
        deadline_ms: ms(a.deadlineNs),
        sample: a.sample,
      };
      if (a.frame !== undefined) out.frame = a.frame;
      if (a.after) out.after = { ...a.after };
      return out;
    }),
  };
  if (w.board) doc.board = w.board;
  if (w.config && Object.keys(w.config).length) doc.config = w.config as Record<string, number | string>;
  if (w.stageCounts) doc.stageCounts = [...w.stageCounts];
  return doc;
}
