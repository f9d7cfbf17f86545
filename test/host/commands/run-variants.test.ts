// `immsched run --variants` as a user runs it: the in-process virtual board under the Dysta
// overload, the summary JSON with accuracyLoss, and a trace that `immsched replay` reproduces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { writeDystaOverload } from "../../support/dysta-overload.js";
import { METRIC_NAMES } from "../../../host/sim/metrics.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-run-variants-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched run --variants", () => {
  it("runs narrowed tasks on the in-process board, reports accuracyLoss, and its trace replays", () => {
    const scenario = writeDystaOverload(dir);
    const json = join(dir, "run.json");
    const trace = join(dir, "run.jsonl");
    const r = immsched(["run", "--scenario", scenario, "--variants", "--time-scale", "0.05", "--json", json, "--trace", trace, "--quiet"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accuracy lost \d+\.\d\d points per completed task \(model variants\)/);
    const out = JSON.parse(readFileSync(json, "utf8"));
    expect(Object.keys(out.metrics).sort()).toEqual([...METRIC_NAMES, "accuracyLoss"].sort());
    expect(out.metrics.accuracyLoss).toBeGreaterThan(0);
    expect(out.tasks.lost).toBe(0);
    const lines = readFileSync(trace, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!).modelVariants).toBe(true);
    expect(lines.some((l) => l.includes('"width":0.5') || l.includes('"width":0.75'))).toBe(true);
    const replay = immsched(["replay", trace]);
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/reproduced: all 14 metrics bit for bit/);
  }, 120_000);
});
