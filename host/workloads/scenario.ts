// One entry point from a scenario name or file to what a run needs: the controller's model table,
// the arrivals with their profiles, and the cost-model configuration used. Used by the bench and
// runtime commands.
//
// `spec` is one of:
//  - "dysta": the Dysta recipe (Poisson arrivals, priorities {1, 3, 9}, deadline = arrival +
//    sloMult * isolated) over the XRBench model pool (or opts.models);
//  - an XRBench scenario name ("VR_gaming", ...): resolved in the project's data/xrbench/ first,
//    then in ../shared/data/xrbench/;
//  - a path to a .m scenario file (MAESTRO's language, as XRBench writes it);
//  - a path to a .json scenario: a trace or a generator (docs/SCENARIO.md).

import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelEntry } from "../core/controller.js";
import { type Target, parseTarget, targetLinks, tileCount } from "../formats/graphs.js";
import { InputError } from "../formats/input-error.js";
import { type AcceleratorConfig, defaultConfig } from "../../firmware-bridge/accelerator/constants.js";
import { type ModelSpec, BUILTIN_MODELS, builtinModel } from "./dag.js";
import { type XrbenchNetwork, readXrbenchFile } from "./xrbench.js";
import { type CompiledModel, compileModel } from "./profiles.js";
import { type PlacementRules, isBipartite, maxDegree } from "./partition.js";
import {
  type ArrivalSpec,
  type WorkloadArrival,
  DystaStream,
  XrbenchFrames,
  dystaArrivals,
  materialize,
  xrbenchArrivals,
} from "./arrivals.js";
import { type SpecSource, streamArrivals } from "./arrival-stream.js";
import { type ModelRef, configOverrides, modelFromDoc, readScenarioDoc, toTraceDoc, type TraceDoc } from "./trace.js";
import { hashString } from "./sparsity.js";
import { type ModelVariantTable, modelVariantTable } from "./variant-table.js";
import { checkVariantDefs } from "./model-variants.js";

/** The project's own copy of the XRBench scenarios (MIT, see data/xrbench/LICENSE). */
export const PROJECT_XRBENCH_DIR = fileURLToPath(new URL("../../data/xrbench/", import.meta.url));
/** The shared copy beside the repository. */
export const SHARED_XRBENCH_DIR = fileURLToPath(new URL("../../../shared/data/xrbench/", import.meta.url));
/** Example traces and generators. */
export const EXAMPLES_DIR = fileURLToPath(new URL("../../examples/", import.meta.url));

/** XRBench's own run length (ms), the default for its scenarios. */
export const XRBENCH_DURATION_MS = 700;
export const DYSTA_DEFAULTS = { rate: 20, sloMult: 10, durationMs: 1000 } as const;

export interface ScenarioOptions {
  seed: number;
  /** Length of generated workloads (XRBench frames, Dysta arrivals), ms. */
  durationMs?: number;
  /** Dysta arrival rate, tasks/s. */
  rate?: number;
  /** Dysta deadline multiplier. */
  sloMult?: number;
  /** The board the run uses: it sets the mesh of the cost model and what a stage graph must be to fit. */
  board: Target;
  /** Cost-model overrides (on top of a JSON scenario's own). */
  config?: Partial<AcceleratorConfig>;
  /** Dysta: the model pool (names); default every XRBench model. */
  models?: readonly string[];
  /** Pipeline stage counts to offer (default 1, 2, 4, 8, 16). */
  stageCounts?: readonly number[];
  /** Lane counts a stage may be split over (default profiles.ts DEFAULT_LANE_COUNTS; [1]: no layer split). */
  laneCounts?: readonly number[];
  /**
   * Model variants on: every model's width variants (its own list, else model-variants.ts
   * DEFAULT_MODEL_VARIANTS) join the model table, and `modelVariants` says how to run each.
   */
  modelVariants?: boolean;
}

export interface Scenario {
  name: string;
  /** Where it came from: a file path or a recipe. */
  source: string;
  /** The controller's model table. */
  models: ModelEntry[];
  /** Sorted by arrival time, ids 1..n. */
  arrivals: WorkloadArrival[];
  config: AcceleratorConfig;
  /** The models as layers (what a trace saves). */
  specs: ModelSpec[];
  /** Per model: layer costs, stage cuts, dropped stage counts. */
  compiled: CompiledModel[];
  /** The board a JSON scenario names, if any (the run's board is opts.board). */
  traceBoard?: Target;
  /** Overrides that made `config` (so a saved trace reproduces it). */
  configOverrides: Partial<AcceleratorConfig>;
  stageCounts?: readonly number[];
  /**
   * The scenario's arrivals over [0, windowMs) (Infinity: until stopped), generated as they are
   * consumed (arrival-stream.ts): the periodic streams (XRBench) and the Dysta recipe go on at
   * their rates for as long as the window; a trace has only its own arrivals.
   */
  stream(windowMs: number): Iterable<WorkloadArrival>;
  /** An XRBench scenario's networks and run length: what the xrbench policy's rules need (xrbench-run.ts). */
  xrbench?: { networks: XrbenchNetwork[]; durationMs: number };
  /** With ScenarioOptions.modelVariants: each model's width variants (their entries are in `models` too). */
  modelVariants?: ModelVariantTable;
}

/** The cost-model configuration for a board: its mesh (a non-mesh target counts as a 1 x n row). */
export function configForBoard(board: Target, overrides: Partial<AcceleratorConfig> = {}): AcceleratorConfig {
  const t = parseTarget(board);
  const dims = "mesh" in t ? { meshWidth: t.mesh.width, meshHeight: t.mesh.height } : { meshWidth: t.nodes, meshHeight: 1 };
  for (const k of ["meshWidth", "meshHeight"] as const) {
    if (overrides[k] !== undefined && overrides[k] !== dims[k]) {
      throw new InputError(`${k} ${overrides[k]} disagrees with the board's ${dims[k]}`, { field: `config.${k}` });
    }
  }
  try {
    return defaultConfig({ ...overrides, ...dims });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(e.message, { field: "config" });
    throw e;
  }
}

/** What a stage graph must satisfy on this board: bipartite if the board is, degree within its links. */
export function rulesForBoard(board: Target): PlacementRules {
  const n = tileCount(board);
  const links = targetLinks(board);
  return { requireBipartite: isBipartite(n, links), maxDegree: maxDegree(n, links) };
}

function xrbenchFile(name: string): string | undefined {
  for (const dir of [PROJECT_XRBENCH_DIR, SHARED_XRBENCH_DIR]) {
    const p = resolve(dir, `${name}.m`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".m"))
    .sort()
    .map((f) => resolve(dir, f));
}

let poolCache: Map<string, ModelSpec> | undefined;

/**
 * Every model of the XRBench scenarios (project copy, else the shared one) and the built-in DAG
 * models, by name. A name defined twice with the same layers (HT_hand_graph_cnn_half is in two
 * scenarios) is one model.
 */
export function modelPool(): ReadonlyMap<string, ModelSpec> {
  if (poolCache) return poolCache;
  const pool = new Map<string, ModelSpec>();
  const dir = scenarioFiles(PROJECT_XRBENCH_DIR).length ? PROJECT_XRBENCH_DIR : SHARED_XRBENCH_DIR;
  for (const f of scenarioFiles(dir)) {
    for (const n of readXrbenchFile(f).networks) if (!pool.has(n.name)) pool.set(n.name, { name: n.name, layers: n.layers });
  }
  for (const b of BUILTIN_MODELS) pool.set(b, builtinModel(b)!);
  poolCache = pool;
  return pool;
}

/** Names of the XRBench models in the pool (the Dysta recipe's default set). */
export function xrbenchModelNames(): string[] {
  return [...modelPool().keys()].filter((n) => !BUILTIN_MODELS.includes(n));
}

export interface ScenarioListing {
  name: string;
  kind: "xrbench" | "recipe" | "example";
  source: string;
  description: string;
}

/** Scenarios `loadScenario` accepts by name, and the examples shipped with the project. */
export function listScenarios(): ScenarioListing[] {
  const out: ScenarioListing[] = [];
  const seen = new Set<string>();
  for (const dir of [PROJECT_XRBENCH_DIR, SHARED_XRBENCH_DIR]) {
    for (const f of scenarioFiles(dir)) {
      const name = basename(f, ".m");
      if (seen.has(name)) continue;
      const parsed = readXrbenchFile(f);
      if (parsed.networks.length === 0) continue; // hardware files (Single_4K.m)
      seen.add(name);
      const nets = parsed.networks.map((n) => `${n.name}@${n.fps}fps`).join(", ");
      out.push({ name, kind: "xrbench", source: f, description: `XRBench scenario: ${nets}` });
    }
  }
  out.push({
    name: "dysta",
    kind: "recipe",
    source: "recipe",
    description: `Dysta recipe: Poisson arrivals (--rate, default ${DYSTA_DEFAULTS.rate}/s), priorities 1/3/9, deadline = arrival + sloMult x isolated (default ${DYSTA_DEFAULTS.sloMult}), over the XRBench models`,
  });
  if (existsSync(EXAMPLES_DIR)) {
    for (const f of readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      const p = resolve(EXAMPLES_DIR, f);
      out.push({ name: p, kind: "example", source: p, description: `example scenario ${f}` });
    }
  }
  return out;
}

function resolveModel(ref: ModelRef, file: string | undefined, field: string): ModelSpec {
  if (typeof ref === "string" || ref.layers === undefined) {
    const name = typeof ref === "string" ? ref : ref.name;
    const known = modelPool().get(name);
    if (!known) {
      throw new InputError(`unknown model '${name}' (give its "layers", or one of: ${[...modelPool().keys()].join(", ")})`, {
        file,
        field,
      });
    }
    if (typeof ref === "string") return known;
    const out = ref.sparsity !== undefined ? { ...known, sparsity: ref.sparsity } : known;
    return ref.variants ? { ...out, variants: checkVariantDefs(ref.variants, { file, field }) } : out;
  }
  return modelFromDoc({ ...ref, layers: ref.layers }, file, field);
}

/**
 * Compiled models by spec object, then by configuration: a bench loads the same pool models for
 * every seed and rate, and their costs, cuts and data tiles do not change.
 */
const compiledCache = new WeakMap<ModelSpec, Map<string, CompiledModel>>();

function compileAll(
  specs: readonly ModelSpec[],
  cfg: AcceleratorConfig,
  board: Target,
  stageCounts: readonly number[] | undefined,
  laneCounts?: readonly number[],
): Map<string, CompiledModel> {
  const rules = rulesForBoard(board);
  const key = JSON.stringify([cfg, rules, stageCounts ?? null, laneCounts ?? null]);
  const out = new Map<string, CompiledModel>();
  for (const s of specs) {
    let byConfig = compiledCache.get(s);
    if (!byConfig) compiledCache.set(s, (byConfig = new Map()));
    let cm = byConfig.get(key);
    if (!cm) byConfig.set(key, (cm = compileModel(s, cfg, { rules, stageCounts, laneCounts })));
    out.set(s.name, cm);
  }
  return out;
}

/** Compiles the models for the board, then builds the arrivals (which may need isolated latencies). */
function build(
  name: string,
  source: string,
  specs: ModelSpec[],
  makeArrivals: (compiled: ReadonlyMap<string, CompiledModel>) => ArrivalSpec[],
  opts: ScenarioOptions,
  fileConfig: Partial<AcceleratorConfig>,
  stageCounts: readonly number[] | undefined,
  traceBoard?: Target,
  generator?: (compiled: ReadonlyMap<string, CompiledModel>) => SpecSource,
): Scenario {
  const overrides = { ...fileConfig, ...(opts.config ?? {}) };
  const config = configForBoard(opts.board, overrides);
  const compiled = compileAll(specs, config, opts.board, stageCounts, opts.laneCounts);
  const arrivals = materialize(makeArrivals(compiled), compiled);
  const modelVariants = opts.modelVariants
    ? modelVariantTable(specs, compiled, (vs) => compileAll(vs, config, opts.board, stageCounts, opts.laneCounts))
    : undefined;
  return {
    name,
    source,
    models: [...compiled.values()].map((c) => c.entry).concat(modelVariants ? modelVariants.entries : []),
    arrivals,
    stream: (windowMs) =>
      generator ? streamArrivals(generator(compiled), compiled, windowMs * 1e6) : arrivals.filter((a) => a.arrivalNs < windowMs * 1e6),
    config,
    specs,
    compiled: [...compiled.values()],
    traceBoard,
    configOverrides: overrides,
    stageCounts,
    ...(modelVariants ? { modelVariants } : {}),
  };
}

function fromXrbench(path: string, opts: ScenarioOptions, durationMs?: number): Scenario {
  const file = readXrbenchFile(path);
  if (file.networks.length === 0) {
    throw new InputError("has no Network blocks (is it an accelerator file such as Single_4K.m?)", { file: path });
  }
  const specs = file.networks.map((n): ModelSpec => modelPool().get(n.name) ?? { name: n.name, layers: n.layers });
  // a file's own layers win over a pool model of the same name
  file.networks.forEach((n, i) => {
    if (JSON.stringify(specs[i]!.layers) !== JSON.stringify(n.layers)) specs[i] = { name: n.name, layers: n.layers };
  });
  const duration = durationMs ?? opts.durationMs ?? XRBENCH_DURATION_MS;
  const s = build(
    basename(path, ".m"),
    path,
    specs,
    () => xrbenchArrivals(file.networks, { durationMs: duration, seed: opts.seed }),
    opts,
    {},
    opts.stageCounts,
    undefined,
    () => {
      const frames = new XrbenchFrames(file.networks, { seed: opts.seed });
      return (endNs) => frames.until(endNs / 1e6);
    },
  );
  return { ...s, xrbench: { networks: file.networks, durationMs: duration } };
}

function dysta(
  name: string,
  source: string,
  specs: ModelSpec[],
  p: { rate: number; sloMult: number; durationMs: number; seed: number; priorities?: readonly number[] },
  opts: ScenarioOptions,
  fileConfig: Partial<AcceleratorConfig>,
  stageCounts: readonly number[] | undefined,
  traceBoard?: Target,
): Scenario {
  const arrivals = (compiled: ReadonlyMap<string, CompiledModel>) =>
    dystaArrivals(
      specs.map((s) => ({ name: s.name, isolatedNs: compiled.get(s.name)!.entry.isolatedNs })),
      { rate: p.rate, sloMult: p.sloMult, durationMs: p.durationMs, seed: p.seed, priorities: p.priorities },
    );
  const stream = (compiled: ReadonlyMap<string, CompiledModel>): SpecSource => {
    const gen = new DystaStream(
      specs.map((s) => ({ name: s.name, isolatedNs: compiled.get(s.name)!.entry.isolatedNs })),
      { rate: p.rate, sloMult: p.sloMult, seed: p.seed, priorities: p.priorities },
    );
    return (endNs) => gen.until(endNs);
  };
  return build(name, source, specs, arrivals, opts, fileConfig, stageCounts, traceBoard, stream);
}

function fromJson(path: string, opts: ScenarioOptions): Scenario {
  const doc = readScenarioDoc(path);
  const fileConfig = doc.config ? configOverrides(doc.config, path) : {};
  const traceBoard = doc.board !== undefined ? parseTarget(doc.board) : undefined;
  const stageCounts = opts.stageCounts ?? doc.stageCounts;
  const name = doc.name ?? basename(path, ".json");
  if (doc.kind === "xrbench") {
    const m = doc.scenario.endsWith(".m") ? resolve(dirname(path), doc.scenario) : xrbenchFile(doc.scenario);
    if (!m || !existsSync(m)) throw new InputError(`no XRBench scenario '${doc.scenario}'`, { file: path, field: "scenario" });
    const s = fromXrbench(
      m,
      { ...opts, seed: doc.seed ?? opts.seed, config: { ...fileConfig, ...(opts.config ?? {}) }, stageCounts },
      opts.durationMs ?? doc.durationMs,
    );
    return { ...s, name, source: path, traceBoard };
  }
  const specs = doc.models.map((m, i) => resolveModel(m, path, `models[${i}]`));
  const names = new Set<string>();
  specs.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError(`model '${s.name}' is listed twice`, { file: path, field: `models[${i}]` });
    names.add(s.name);
  });
  if (doc.kind === "dysta") {
    return dysta(
      name,
      path,
      specs,
      {
        rate: opts.rate ?? doc.rate,
        sloMult: opts.sloMult ?? doc.sloMult,
        durationMs: opts.durationMs ?? doc.durationMs,
        seed: doc.seed ?? opts.seed,
        priorities: doc.priorities,
      },
      opts,
      fileConfig,
      stageCounts,
      traceBoard,
    );
  }
  return fromTrace(doc, path, specs, opts, fileConfig, stageCounts, name, traceBoard);
}

function fromTrace(
  doc: TraceDoc,
  path: string,
  specs: ModelSpec[],
  opts: ScenarioOptions,
  fileConfig: Partial<AcceleratorConfig>,
  stageCounts: readonly number[] | undefined,
  name: string,
  traceBoard: Target | undefined,
): Scenario {
  const seed = opts.seed >>> 0;
  const arrivals = (compiled: ReadonlyMap<string, CompiledModel>) =>
    doc.arrivals.map((a, i): ArrivalSpec => {
      const field = `arrivals[${i}]`;
      const cm = compiled.get(a.model);
      if (!cm)
        throw new InputError(`unknown model '${a.model}' (the trace's models are ${[...compiled.keys()].join(", ")})`, {
          file: path,
          field: `${field}.model`,
        });
      if (a.after && !compiled.has(a.after.model))
        throw new InputError(`unknown model '${a.after.model}'`, { file: path, field: `${field}.after.model` });
      const tNs = Math.round(a.t_ms * 1e6);
      const slo = a.slo_mult ?? doc.sloMult ?? opts.sloMult ?? DYSTA_DEFAULTS.sloMult;
      const deadlineNs = a.deadline_ms !== undefined ? Math.round(a.deadline_ms * 1e6) : tNs + Math.round(slo * cm.entry.isolatedNs);
      // an arrival without a sample seed gets one from the run's seed and its position
      const sample = a.sample ?? (hashString(`${seed}:${i}`) ^ seed) >>> 0;
      const spec: ArrivalSpec = { tNs, model: a.model, priority: a.priority ?? 1, deadlineNs, sample };
      if (a.frame !== undefined) spec.frame = a.frame;
      if (a.after) spec.after = { ...a.after };
      return spec;
    });
  return build(name, path, specs, arrivals, opts, fileConfig, stageCounts, traceBoard);
}

/** Loads a scenario by name or path (see the top of this file); every error is an InputError. */
export function loadScenario(spec: string, opts: ScenarioOptions): Scenario {
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new InputError(`seed must be an integer in 0..4294967295, got ${opts.seed}`, { field: "seed" });
  }
  if (spec === "dysta") {
    const names = opts.models ?? xrbenchModelNames();
    const specs = names.map((n) => {
      const m = modelPool().get(n);
      if (!m) throw new InputError(`unknown model '${n}' (known: ${[...modelPool().keys()].join(", ")})`, { field: "models" });
      return m;
    });
    return dysta(
      "dysta",
      "recipe",
      specs,
      {
        rate: opts.rate ?? DYSTA_DEFAULTS.rate,
        sloMult: opts.sloMult ?? DYSTA_DEFAULTS.sloMult,
        durationMs: opts.durationMs ?? DYSTA_DEFAULTS.durationMs,
        seed: opts.seed,
      },
      opts,
      {},
      opts.stageCounts,
    );
  }
  const ext = extname(spec).toLowerCase();
  if (ext === ".json") return fromJson(spec, opts);
  if (ext === ".m") {
    if (!existsSync(spec)) throw new InputError("no such file", { file: spec });
    return fromXrbench(spec, opts);
  }
  const m = xrbenchFile(spec);
  if (m) return fromXrbench(m, opts);
  const known = listScenarios()
    .filter((s) => s.kind !== "example")
    .map((s) => s.name);
  throw new InputError(`unknown scenario '${spec}' (expected ${known.join(", ")}, a .m file or a .json scenario)`);
}

/** The trace form of a loaded scenario (docs/SCENARIO.md): replaying it gives the same arrivals. */
export function saveScenarioTrace(s: Scenario, board?: Target): TraceDoc {
  return toTraceDoc(
    {
      name: s.name,
      specs: s.specs,
      arrivals: s.arrivals,
      board: board ?? s.traceBoard,
      config: s.configOverrides,
      stageCounts: s.stageCounts,
    },
    modelPool(),
  );
}

/** The networks of an XRBench scenario by name (for scores that need FPS and dependencies). */
export function xrbenchNetworks(name: string): XrbenchNetwork[] {
  const m = xrbenchFile(name);
  if (!m) throw new InputError(`unknown XRBench scenario '${name}'`);
  return readXrbenchFile(m).networks;
}
