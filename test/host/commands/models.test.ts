// `immsched models` as a user runs it: the cost model's figures per model of a real XRBench
// scenario, in the JSON form, matching the functions they come from; exit 2 on bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { isolatedTemporal } from "../../../firmware-bridge/accelerator/cost.js";
import { loadScenario } from "../../../host/workloads/scenario.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-models-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ModelsJson {
  models: Array<{
    name: string;
    wholeArrayMs: number;
    energyMJ: number;
    variants: Array<{ stages: number; lanes: number; tiles: number; latencyMs: number; energyMJ: number }>;
  }>;
}

describe("immsched models", () => {
  for (const [w, h] of [
    [8, 8],
    [4, 4],
  ] as const) {
    it(`prints and writes every AR_gaming model on a ${w}x${h} board: whole-array figures of the cost model, variants that fit`, () => {
      const file = join(dir, `m${w}.json`);
      const r = immsched(["models", "--scenario", "AR_gaming", "--board", `${w}x${h}`, "--json", file]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(readFileSync(file, "utf8")) as ModelsJson;
      const scenario = loadScenario("AR_gaming", { seed: 1, board: { mesh: { width: w, height: h, torus: false } } });
      expect(out.models.map((m) => m.name).sort()).toEqual(scenario.specs.map((s) => s.name).sort());
      for (const m of out.models) {
        expect(Object.keys(m).sort()).toEqual(["energyMJ", "name", "variants", "wholeArrayMs"]);
        expect(r.stdout).toContain(`| ${m.name} |`);
        const spec = scenario.specs.find((s) => s.name === m.name)!;
        const whole = isolatedTemporal(spec.layers, scenario.config);
        expect(m.wholeArrayMs).toBeCloseTo(whole.ns / 1e6, 9);
        expect(m.energyMJ).toBeCloseTo(whole.energyPJ / 1e9, 9);
        expect(m.variants.length).toBeGreaterThan(0);
        for (const v of m.variants) {
          expect(Object.keys(v).sort()).toEqual(["energyMJ", "lanes", "latencyMs", "stages", "tiles"]);
          expect(v.tiles).toBe(v.stages * v.lanes);
          expect(v.tiles).toBeLessThanOrEqual(w * h);
          expect(v.latencyMs).toBeGreaterThan(0);
          expect(v.energyMJ).toBeGreaterThan(0);
        }
        // more tiles only where they buy speed: every kept variant is faster than those on fewer tiles
        for (let i = 1; i < m.variants.length; i++) {
          expect(m.variants[i]!.tiles).toBeGreaterThan(m.variants[i - 1]!.tiles);
          expect(m.variants[i]!.latencyMs).toBeLessThan(m.variants[i - 1]!.latencyMs);
        }
      }
      if (w === 8) expect(out.models.some((m) => m.variants.some((v) => v.tiles === 64))).toBe(true); // the whole mesh is offered
    });
  }

  it("exits 2 naming an unknown scenario, and for a malformed board", () => {
    const a = immsched(["models", "--scenario", "no_such_scenario"]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/no_such_scenario/);
    const b = immsched(["models", "--board", "8by8"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--board/);
  });
});
