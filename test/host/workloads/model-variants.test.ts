// Model variants (width variants): the width scaling of a model and of its cost, the scenario's
// `variants` field and its errors (each naming the file and the field), the default set, and the
// variant table a run with variants on gets.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layerMacs } from "../../../firmware-bridge/accelerator/cost.js";
import { InputError } from "../../../host/formats/input-error.js";
import { DEFAULT_MODEL_VARIANTS, scaleChannels, widthScaled } from "../../../host/workloads/model-variants.js";
import { loadScenario, modelPool, saveScenarioTrace } from "../../../host/workloads/scenario.js";
import { variantSample } from "../../../host/workloads/variant-table.js";

const board = { mesh: { width: 8, height: 8, torus: false } };
const dir = mkdtempSync(join(tmpdir(), "immsched-variants-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(value: unknown): string {
  const p = join(dir, `v${n++}.json`);
  writeFileSync(p, JSON.stringify(value, null, 2));
  return p;
}

const layer = (K: number, C: number) => ({ K, C, Y: 18, X: 18, R: 3, S: 3 });
const trace = (variants: unknown) => ({
  version: 1,
  models: [{ name: "tiny", layers: [layer(16, 3), layer(32, 16), layer(10, 32)], variants }],
  arrivals: [{ t_ms: 0, model: "tiny" }],
});

function errorOf(value: unknown): InputError {
  const path = write(value);
  try {
    loadScenario(path, { seed: 1, board, modelVariants: true });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).file).toBe(path);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("width scaling", () => {
  it("scales inner channels by w (rounded up, >= 1), keeps the model's input channels and outputs", () => {
    const spec = modelPool().get("GE_FBNet_C")!;
    const half = widthScaled(spec, 0.5);
    expect(half.name).toBe("GE_FBNet_C@w0.5");
    expect(half.layers[0]!.C).toBe(spec.layers[0]!.C);
    expect(half.layers.at(-1)!.K).toBe(spec.layers.at(-1)!.K);
    expect(half.layers[0]!.K).toBe(Math.ceil(spec.layers[0]!.K / 2));
    for (const [i, l] of half.layers.entries()) {
      expect(l.K).toBeGreaterThanOrEqual(1);
      if (l.kind === "DSCONV") expect(l.C).toBe(l.K);
      expect([l.Y, l.X, l.R, l.S]).toEqual([spec.layers[i]!.Y, spec.layers[i]!.X, spec.layers[i]!.R, spec.layers[i]!.S]);
    }
    expect(scaleChannels(3, 0.5)).toBe(2);
    expect(scaleChannels(1, 0.25)).toBe(1);
    expect(widthScaled(spec, 1)).toBe(spec);
  });

  it("MACs scale by about w^2, and so does the estimated latency order", () => {
    const spec = modelPool().get("ES_RITNet")!;
    const macs = (w: number) => widthScaled(spec, w).layers.reduce((s, l) => s + layerMacs(l), 0);
    const full = macs(1);
    for (const w of [0.75, 0.5]) {
      const r = macs(w) / full;
      expect(r).toBeGreaterThan(w * w * 0.9);
      expect(r).toBeLessThan(w * 1.05); // the kept input/output layers add at most a w (not w^2) share
    }
    const s = loadScenario("dysta", { seed: 1, board, durationMs: 50, modelVariants: true });
    const est = (m: string) => s.modelVariants!.choices.get(m)!.map((c) => c.estNs);
    const fb = est("GE_FBNet_C");
    expect(fb[0]).toBeGreaterThan(fb[1]!);
    expect(fb[1]).toBeGreaterThan(fb[2]!);
    // never slower; equal only where the array's mapping rounds two channel counts alike (ES_RITNet: 32 and 24 channels)
    for (const m of s.modelVariants!.choices.keys()) {
      const e = est(m);
      expect(e[0]).toBeGreaterThanOrEqual(e[1]!);
      expect(e[1]).toBeGreaterThan(e[2]!);
    }
  });
});

describe("the variants of a scenario", () => {
  it("defaults to MobileNet v1's widths and accuracies (Howard et al. 2017, Table 6) for every model", () => {
    const s = loadScenario("VR_gaming", { seed: 1, board, modelVariants: true });
    const names = s.xrbench!.networks.map((n) => n.name);
    for (const name of names) {
      const c = s.modelVariants!.choices.get(name)!;
      expect(c.map((v) => v.width)).toEqual([1, 0.75, 0.5]);
      expect(c.map((v) => v.lossPoints)).toEqual([0, 2.2, 6.9]);
      expect(c[0]!.model).toBe(name);
      expect(s.models.some((m) => m.name === `${name}@w0.5`)).toBe(true);
    }
    expect(s.models.length).toBe(names.length * DEFAULT_MODEL_VARIANTS.length);
    // without the option, the model table is the scenario's own
    const off = loadScenario("VR_gaming", { seed: 1, board });
    expect(off.models.map((m) => m.name)).toEqual(names);
    expect(off.modelVariants).toBeUndefined();
  });

  it("a sample at a narrower width runs faster on the board and keeps its input's sparsity draw", () => {
    const s = loadScenario("dysta", { seed: 3, board, models: ["GE_FBNet_C"], rate: 400, durationMs: 40, modelVariants: true });
    const a = s.arrivals[0]!;
    const [full, , half] = s.modelVariants!.choices.get("GE_FBNet_C")!;
    expect(variantSample(s.modelVariants!, full!, a.sample).profile).toEqual(a.profile);
    const h = variantSample(s.modelVariants!, half!, a.sample);
    expect(h.isolatedNs).toBeLessThan(a.isolatedNs);
    expect(variantSample(s.modelVariants!, half!, a.sample)).toEqual(h);
  });

  it("reads a JSON scenario's own variants and saves them back", () => {
    const path = write(
      trace([
        { width: 1, accuracy: 0.8 },
        { width: 0.25, accuracy: 0.5 },
      ]),
    );
    const s = loadScenario(path, { seed: 1, board, modelVariants: true });
    expect(s.modelVariants!.choices.get("tiny")!.map((c) => [c.model, c.width, c.lossPoints])).toEqual([
      ["tiny", 1, 0],
      ["tiny@w0.25", 0.25, 30],
    ]);
    const again = loadScenario(write(saveScenarioTrace(s)), { seed: 1, board, modelVariants: true });
    expect(again.modelVariants!.choices).toEqual(s.modelVariants!.choices);
    // a pool model named by the object form may carry variants too
    const named = write({
      version: 1,
      models: [
        {
          name: "ES_RITNet",
          variants: [
            { width: 1, accuracy: 0.9 },
            { width: 0.6, accuracy: 0.85 },
          ],
        },
      ],
      arrivals: [{ t_ms: 0, model: "ES_RITNet" }],
    });
    expect(
      loadScenario(named, { seed: 1, board, modelVariants: true })
        .modelVariants!.choices.get("ES_RITNet")!
        .map((c) => c.width),
    ).toEqual([1, 0.6]);
  });

  it("refuses a model table the core cannot hold with every width, before any run", () => {
    const models = ["resnet18", "inception", ...[...modelPool().keys()].filter((m) => m !== "resnet18" && m !== "inception")];
    const path = write({ version: 1, models, arrivals: [{ t_ms: 0, model: "resnet18" }] });
    expect(() => loadScenario(path, { seed: 1, board })).not.toThrow();
    expect(() => loadScenario(path, { seed: 1, board, modelVariants: true })).toThrow(/would hold 36 models .* more than its 32 models/);
  });

  it("refuses bad variant lists, naming the field", () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [
        [
          { width: 1, accuracy: 0.7 },
          { width: 0, accuracy: 0.6 },
        ],
        "models[0].variants[1].width",
        /width must be > 0/,
      ],
      [[{ width: 1.5, accuracy: 0.7 }], "models[0].variants[0].width", /at most 1/],
      [[{ width: 1, accuracy: 1.2 }], "models[0].variants[0].accuracy", /accuracy must be in \[0, 1\]/],
      [[{ width: 0.5, accuracy: 0.6 }], "models[0].variants", /must include width 1/],
      [
        [
          { width: 1, accuracy: 0.7 },
          { width: 1, accuracy: 0.6 },
        ],
        "models[0].variants[1].width",
        /listed twice/,
      ],
      [[], "models[0].variants", /at least the model itself/],
      [[{ width: 1 }], "models[0].variants[0].accuracy", /./],
      [[{ width: 1, accuracy: 0.7, depth: 2 }], "models[0].variants[0].depth", /unknown field/],
    ];
    for (const [variants, field, message] of cases) {
      const e = errorOf(trace(variants));
      expect(e.field, JSON.stringify(variants)).toBe(field);
      expect(e.message).toMatch(message);
    }
  });
});
