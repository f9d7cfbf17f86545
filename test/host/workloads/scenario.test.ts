// The one entry point: loadScenario on names, .m files, JSON traces and generators, the trace
// round trip, bad traces (errors name file and field), determinism and build time.
import { describe, it, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  PROJECT_XRBENCH_DIR,
  listScenarios,
  loadScenario,
  modelPool,
  saveScenarioTrace,
  type Scenario,
} from "../../../host/workloads/scenario.js";
import { InputError } from "../../../host/formats/input-error.js";
import { describeConfig } from "../../../firmware-bridge/accelerator/constants.js";

const board = { mesh: { width: 8, height: 8 } };
const example = (f: string) => fileURLToPath(new URL(`../../../examples/${f}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "immsched-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(value: unknown): string {
  const p = join(dir, `t${n++}.json`);
  writeFileSync(p, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return p;
}

function checkArrivals(s: Scenario) {
  const ids = s.arrivals.map((a) => a.id);
  expect(ids).toEqual(ids.map((_, i) => i + 1));
  for (let i = 1; i < s.arrivals.length; i++) expect(s.arrivals[i]!.arrivalNs).toBeGreaterThanOrEqual(s.arrivals[i - 1]!.arrivalNs);
  const names = new Set(s.models.map((m) => m.name));
  for (const a of s.arrivals) {
    expect(names.has(a.model)).toBe(true);
    expect(a.deadlineNs).toBeGreaterThanOrEqual(a.arrivalNs);
    expect(a.profile.layerNs).toHaveLength(s.models.find((m) => m.name === a.model)!.layerEstNs.length);
  }
}

describe("loadScenario", () => {
  it("lists the XRBench scenarios, the Dysta recipe and the examples", () => {
    const l = listScenarios();
    expect(l.filter((s) => s.kind === "xrbench").map((s) => s.name)).toEqual([
      "AR_gaming",
      "VR_gaming",
      "outdoor_activity_A",
      "outdoor_activity_B",
    ]);
    expect(l.some((s) => s.kind === "recipe" && s.name === "dysta")).toBe(true);
    expect(l.filter((s) => s.kind === "example").length).toBeGreaterThanOrEqual(4);
  });

  for (const name of ["VR_gaming", "AR_gaming", "outdoor_activity_A", "outdoor_activity_B"]) {
    it(`${name}: resolved in the project's data/xrbench, models and frames built`, () => {
      const s = loadScenario(name, { seed: 1, board });
      expect(s.source).toBe(join(PROJECT_XRBENCH_DIR, `${name}.m`));
      expect(s.models.length).toBeGreaterThanOrEqual(3);
      expect(s.arrivals.length).toBeGreaterThan(10);
      checkArrivals(s);
      for (const m of s.models) expect(m.variants[0]!.stages).toBe(1);
    });
  }

  it("VR_gaming: 120 frames in XRBench's 700 ms, with the dependency of GE on ES", () => {
    const s = loadScenario("VR_gaming", { seed: 1, board });
    expect(s.arrivals).toHaveLength(44 + 44 + 32);
    expect(s.arrivals.filter((a) => a.after).every((a) => a.model === "GE_FBNet_C" && a.after!.model === "ES_RITNet")).toBe(true);
    expect(describeConfig(s.config)).toMatch(/64 tiles, 4096 PEs/);
  });

  it("a .m path and a different board (the cost model follows the board)", () => {
    const small = loadScenario(join(PROJECT_XRBENCH_DIR, "VR_gaming.m"), {
      seed: 1,
      board: { mesh: { width: 4, height: 4 } },
      durationMs: 50,
    });
    const big = loadScenario("VR_gaming", { seed: 1, board, durationMs: 50 });
    expect(small.config.meshWidth).toBe(4);
    expect(small.models[0]!.isolatedNs).toBeGreaterThan(big.models[0]!.isolatedNs); // 1024 PEs instead of 4096
    for (const m of small.models) for (const v of m.variants) expect(v.stages).toBeLessThanOrEqual(16);
  });

  it("dysta: the recipe over the XRBench pool, deterministic per seed", () => {
    const a = loadScenario("dysta", { seed: 9, board, rate: 100, durationMs: 500 });
    const b = loadScenario("dysta", { seed: 9, board, rate: 100, durationMs: 500 });
    expect(a.models).toHaveLength(10);
    expect(a.arrivals.length).toBeGreaterThan(25);
    checkArrivals(a);
    expect(a.arrivals).toEqual(b.arrivals);
    expect(loadScenario("dysta", { seed: 10, board, rate: 100, durationMs: 500 }).arrivals).not.toEqual(a.arrivals);
    const only = loadScenario("dysta", { seed: 9, board, rate: 100, durationMs: 500, models: ["ES_RITNet", "resnet18"] });
    expect(only.models.map((m) => m.name)).toEqual(["ES_RITNet", "resnet18"]);
  });

  // (how fast: `immsched bench` prints its wall time; speed goals live in benchmarks, not here)
  it("builds 1,000 tasks", () => {
    const s = loadScenario("dysta", { seed: 3, board, rate: 2000, durationMs: 500 });
    expect(s.arrivals.length).toBeGreaterThan(900);
    checkArrivals(s);
  });

  for (const f of ["trace-small.json", "dag-mix.json", "dysta-mix.json", "xrbench-vr.json"]) {
    it(`example ${f} loads`, () => {
      const s = loadScenario(example(f), { seed: 1, board });
      expect(s.arrivals.length).toBeGreaterThan(0);
      checkArrivals(s);
    });
  }

  it("trace-small: deadlines from deadline_ms, slo_mult, the trace's sloMult, and a fixed sample", () => {
    const s = loadScenario(example("trace-small.json"), { seed: 1, board });
    const iso = (m: string) => s.models.find((x) => x.name === m)!.isolatedNs;
    const [es0, tiny0, kd, es1, tiny1] = s.arrivals;
    expect(es0!.deadlineNs).toBe(16e6);
    expect(tiny0!.deadlineNs).toBe(0.5e6 + Math.round(20 * iso("tiny_cnn")));
    expect(kd!.deadlineNs).toBe(1e6 + Math.round(50 * iso("KD_res8_narrow")));
    expect(kd!.after).toEqual({ model: "ES_RITNet", frame: 0 });
    expect(es1!.sample).toBe(12345);
    expect(tiny1!.arrivalNs).toBe(17_250_000);
    expect(s.traceBoard).toEqual(board);
    expect(s.specs.find((m) => m.name === "KD_res8_narrow")!.sparsity).toBe(0.3);
  });

  it("xrbench-vr: the file's config overrides reach the cost model", () => {
    expect(loadScenario(example("xrbench-vr.json"), { seed: 1, board }).config.zeroSkipEfficiency).toBe(0.5);
  });

  it("unknown names say what is known", () => {
    expect(() => loadScenario("VR_gamin", { seed: 1, board })).toThrow(/unknown scenario 'VR_gamin' \(expected AR_gaming, VR_gaming/);
    expect(() => loadScenario("dysta", { seed: 1, board, models: ["nope"] })).toThrow(/unknown model 'nope'/);
  });
});

describe("trace round trip", () => {
  for (const spec of ["VR_gaming", "dysta", example("dag-mix.json"), example("trace-small.json")]) {
    it(`${spec.split("/").pop()}: save -> load gives the same arrivals and profiles`, () => {
      const a = loadScenario(spec, { seed: 4, board, rate: 200, durationMs: 100, config: { nocHopCycles: 3 } });
      const doc = saveScenarioTrace(a);
      expect(doc.version).toBe(1);
      const path = write(doc);
      // a different run seed: the trace carries every sample seed
      const b = loadScenario(path, { seed: 99, board });
      expect(b.arrivals).toEqual(a.arrivals);
      expect(b.models).toEqual(a.models);
      expect(b.config).toEqual(a.config);
      expect(saveScenarioTrace(b)).toEqual({ ...doc, name: doc.name });
    });
  }

  it("names pool models by name and writes inline models out", () => {
    const doc = saveScenarioTrace(loadScenario(example("dag-mix.json"), { seed: 1, board }));
    expect(doc.models[0]).toBe("resnet18");
    expect(doc.models[2]).toMatchObject({
      name: "residual_toy",
      edges: [
        [0, 1],
        [1, 2],
        [0, 2],
        [2, 3],
      ],
    });
    expect(modelPool().has("inception")).toBe(true);
  });
});

/** The InputError loading `value` as a scenario file throws. */
function errorOf(value: unknown): InputError {
  const path = write(value);
  try {
    loadScenario(path, { seed: 1, board });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).file).toBe(path);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

const base = { version: 1, models: ["ES_RITNet"], arrivals: [{ t_ms: 0, model: "ES_RITNet" }] };

describe("bad traces name the file and the field", () => {
  it("malformed JSON, with its line", () => {
    const e = errorOf('{\n  "version": 1,\n  "models": [\n}');
    expect(e.reason).toMatch(/malformed JSON: .* at line 4/);
  });

  it("structure", () => {
    expect(errorOf({ ...base, version: 2 }).field).toBe("version");
    expect(errorOf({ ...base, extra: true })).toMatchObject({ field: "extra", reason: 'unknown field "extra"' });
    expect(errorOf({ ...base, arrivals: [] })).toMatchObject({ field: "arrivals", reason: "a trace needs at least one arrival" });
    expect(errorOf({ ...base, arrivals: [{ t_ms: -1, model: "ES_RITNet" }] }).field).toBe("arrivals[0].t_ms");
    expect(errorOf({ ...base, arrivals: [{ t_ms: 0, model: "ES_RITNet", priority: 1.5 }] }).field).toBe("arrivals[0].priority");
    expect(errorOf({ ...base, arrivals: [{ t_ms: 5, model: "ES_RITNet", deadline_ms: 4 }] })).toMatchObject({
      field: "arrivals[0].deadline_ms",
    });
    expect(errorOf({ ...base, arrivals: [{ t_ms: 0, model: "ES_RITNet", deadline_ms: 4, slo_mult: 2 }] }).reason).toMatch(/not both/);
    expect(errorOf([1, 2]).reason).toMatch(/expected a JSON object/);
  });

  it("references", () => {
    expect(errorOf({ ...base, arrivals: [{ t_ms: 0, model: "GE_FBNet_C" }] })).toMatchObject({ field: "arrivals[0].model" });
    expect(errorOf({ ...base, arrivals: [{ t_ms: 0, model: "ES_RITNet", after: { model: "X", frame: 0 } }] }).field).toBe(
      "arrivals[0].after.model",
    );
    expect(errorOf({ ...base, models: ["NoSuchNet"] })).toMatchObject({ field: "models[0]" });
    expect(errorOf({ ...base, models: ["ES_RITNet", "ES_RITNet"] }).reason).toMatch(/listed twice/);
  });

  it("inline models", () => {
    const layer = { K: 4, C: 3, Y: 8, X: 8, R: 3, S: 3 };
    const e = errorOf({ ...base, models: [{ name: "m", layers: [layer, { ...layer, R: 0 }] }] });
    expect(e.field).toBe("models[0].layers[1].R");
    expect(errorOf({ ...base, models: [{ name: "m", layers: [layer, layer], edges: [[1, 0]] }] })).toMatchObject({
      field: "models[0].edges[0]",
    });
    expect(errorOf({ ...base, models: [{ name: "m", layers: [layer], edges: [[0, 5]] }] }).field).toBe("models[0].edges[0][1]");
    expect(errorOf({ ...base, models: [{ name: "m", layers: [{ ...layer, type: "POOL" }] }] }).field).toBe("models[0].layers[0].type");
  });

  it("generators, boards and configs", () => {
    expect(errorOf({ version: 1, recipe: "poisson" })).toMatchObject({ field: "recipe" });
    expect(errorOf({ version: 1, recipe: "dysta", rate: 0, sloMult: 10, durationMs: 10, models: ["ES_RITNet"] }).field).toBe("rate");
    expect(errorOf({ version: 1, recipe: "dysta", rate: 5, sloMult: 10, models: ["ES_RITNet"] }).field).toBe("durationMs");
    expect(errorOf({ version: 1, recipe: "xrbench", scenario: "Nope" }).field).toBe("scenario");
    expect(errorOf({ ...base, board: { mesh: { width: 0, height: 2 } } }).field).toBe("board.mesh.width");
    expect(errorOf({ ...base, config: { dramBytesPerCycle: -3 } })).toMatchObject({ field: "config.dramBytesPerCycle" });
    expect(errorOf({ ...base, config: { warpDrive: 1 } })).toMatchObject({ field: "config.warpDrive" });
  });
});
