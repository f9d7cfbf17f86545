// Scenario inputs under property-based mutation (fast-check): the XRBench `.m` reader and the JSON
// scenario reader get the shipped files with random edits, and the whole load path (files on disk
// through loadScenario) a smaller share of them. Every input must end in a result or an InputError
// naming the file (and, where the format has them, the line or field): no other exception, no hang,
// and no input may make a scenario bigger than the bounds of host/workloads/limits.ts.
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { InputError, parseJson } from "../../../host/formats/input-error.js";
import { MAX_ARRIVALS, MAX_SCENARIO_BYTES } from "../../../host/workloads/limits.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { parseScenarioDoc } from "../../../host/workloads/trace.js";
import { parseXrbench } from "../../../host/workloads/xrbench.js";
import { mutated } from "../../support/mutate.js";

const ROOT = join(import.meta.dirname, "../../..");
const M_FILES = ["VR_gaming.m", "AR_gaming.m", "outdoor_activity_A.m", "Single_4K.m"].map((f) =>
  readFileSync(join(ROOT, "data/xrbench", f), "utf8"),
);
const JSON_FILES = ["trace-small.json", "dysta-mix.json", "dag-mix.json", "xrbench-vr.json"].map((f) =>
  readFileSync(join(ROOT, "examples", f), "utf8"),
);
const board = { mesh: { width: 8, height: 8, torus: false } };
const dir = mkdtempSync(join(tmpdir(), "immsched-input-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `f`; returns "ok" or the InputError; anything else thrown fails the property. */
function outcome(f: () => unknown): "ok" | InputError {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

const tally = { ok: 0, refused: 0 };
afterAll(() => console.log(`input fuzz: ${tally.ok} mutated inputs accepted, ${tally.refused} refused with an InputError`));

function count(r: "ok" | InputError): void {
  if (r === "ok") tally.ok++;
  else tally.refused++;
}

describe("XRBench .m reader under mutation", () => {
  it("parses or refuses with the file and line named", () => {
    fc.assert(
      fc.property(fc.nat(M_FILES.length - 1), fc.nat(), (i, seed) => {
        const text = fc.sample(mutated(M_FILES[i]!, 6), { seed, numRuns: 1 })[0]!;
        const r = outcome(() => parseXrbench(text, "fuzz.m"));
        count(r);
        if (r !== "ok") {
          expect(r.file).toBe("fuzz.m");
          expect(r.message).toMatch(/^fuzz\.m/);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe("JSON scenario reader under mutation", () => {
  it("parses or refuses with the file named", () => {
    fc.assert(
      fc.property(fc.nat(JSON_FILES.length - 1), fc.nat(), (i, seed) => {
        const text = fc.sample(mutated(JSON_FILES[i]!, 6), { seed, numRuns: 1 })[0]!;
        const r = outcome(() => parseScenarioDoc(parseJson(text, { file: "fuzz.json" }), "fuzz.json"));
        count(r);
        if (r !== "ok") expect(r.message).toMatch(/^fuzz\.json/);
      }),
      { numRuns: 1500 },
    );
  });

  it("refuses documents of any JSON shape with an InputError", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        count(outcome(() => parseScenarioDoc(v, "any.json")));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("the whole load path (files on disk, loadScenario) under mutation", () => {
  it("loads or refuses every mutated small trace and generator within bounds", () => {
    const bases = [JSON_FILES[0]!, JSON_FILES[2]!];
    let n = 0;
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(), (i, seed) => {
        const text = fc.sample(mutated(bases[i]!, 3), { seed, numRuns: 1 })[0]!;
        const file = join(dir, `m${n++}.json`);
        writeFileSync(file, text);
        const r = outcome(() => {
          const s = loadScenario(file, { seed: 1, board });
          expect(s.arrivals.length).toBeLessThanOrEqual(MAX_ARRIVALS);
        });
        count(r);
        if (r !== "ok") expect(r.message).toContain(file.split("/").pop()!.replace(".json", ""));
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe("bounds on what a scenario may ask for", () => {
  it.each([
    [
      "a Dysta rate that would make billions of arrivals",
      { version: 1, recipe: "dysta", rate: 1e9, sloMult: 10, durationMs: 1e6, models: ["ES_RITNet"] },
      /more than 2097152/,
    ],
    ["an XRBench replay of years", { version: 1, recipe: "xrbench", scenario: "VR_gaming", durationMs: 1e15 }, /more than 2097152/],
    [
      "a layer dimension of ten million",
      { version: 1, models: [{ name: "big", layers: [{ K: 1e7, C: 1, Y: 1, X: 1, R: 1, S: 1 }] }], arrivals: [{ t_ms: 0, model: "big" }] },
      /layers\[0\]\.K.*at most 1048576/,
    ],
  ])("refuses %s with an InputError at once", (_what, doc, message) => {
    const file = join(dir, "bound.json");
    writeFileSync(file, JSON.stringify(doc));
    const t = performance.now();
    expect(() => loadScenario(file, { seed: 1, board })).toThrow(message);
    expect(() => loadScenario(file, { seed: 1, board })).toThrow(InputError);
    // refused before anything was expanded (a generous bound: this is not a speed test)
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it("refuses a .m layer dimension over the bound, naming the line", () => {
    const text = M_FILES[0]!.replace(/K:\s*\d+/, "K: 99999999");
    expect(() => parseXrbench(text, "big.m")).toThrow(/big\.m:\d+.*more than 1048576/);
  });

  it("refuses a scenario file over the size bound before reading it", () => {
    const file = join(dir, "huge.json");
    writeFileSync(file, "");
    // a sparse file: the size is checked, not the bytes
    const fd = openSync(file, "r+");
    ftruncateSync(fd, MAX_SCENARIO_BYTES + 1);
    closeSync(fd);
    expect(() => loadScenario(file, { seed: 1, board })).toThrow(/huge\.json.*more than the 67108864/);
  });
});
