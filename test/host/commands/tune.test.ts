// `immsched tune` and `bench --config` through the real CLI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { immsched } from "../../support/cli.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-tune-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched tune", () => {
  it("writes settings that bench --config runs, and reports default and tuned on held-out seeds", () => {
    const out = join(dir, "tuned.json");
    const r = immsched(
      ["tune", "--scenario", "dysta", "--rate", "300", "--policy", "dysta", "--budget", "6", "--seeds", "1-2", "--out", out, "--quiet"],
      undefined,
      180_000,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/held-out seeds 3,4: default loss/);
    const s = JSON.parse(readFileSync(out, "utf8"));
    expect(s).toMatchObject({ version: 1, policy: "dysta", tuning: { trainSeeds: [1, 2], heldOutSeeds: [3, 4], budget: 6 } });
    expect(Object.keys(s.params).sort()).toEqual(["dystaBeta", "hopelessShare", "maxVictims", "slackShare"]);
    // bench with the settings reproduces the held-out figure tune reported
    const json = join(dir, "bench.json");
    const b = immsched(
      ["bench", "--scenario", "dysta", "--rate", "300", "--policy", "dysta", "--seeds", "3-4", "--config", out, "--json", json, "--quiet"],
      undefined,
      120_000,
    );
    expect(b.status, b.stderr).toBe(0);
    const runs = JSON.parse(readFileSync(json, "utf8")).runs as Array<{ metrics: { violationRate: number } }>;
    const viol = runs.reduce((a, x) => a + x.metrics.violationRate, 0) / runs.length;
    expect(viol).toBeCloseTo(s.tuning.tuned.heldOut.violationRate, 12);
  }, 300_000);

  it("refuses held-out seeds that are also training seeds", () => {
    const r = immsched(["tune", "--scenario", "VR_gaming", "--seeds", "1-3", "--held-out", "3-5", "--out", join(dir, "x.json")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/held-out seeds 3 are also training seeds/);
  });
});

describe("bench --config", () => {
  it("names the file and the field of a bad settings file, and exits non-zero", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ version: 1, policy: "immsched", params: { slackShare: 3 } }));
    const r = immsched(["bench", "--scenario", "VR_gaming", "--seeds", "1", "--config", bad, "--quiet"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/params\.slackShare/);
  });
});

describe("run --config with tuned settings", () => {
  it("takes a tune output file as its config: the knobs reach the core, the run ends as usual", () => {
    const settings = join(dir, "for-run.json");
    writeFileSync(
      settings,
      JSON.stringify({ version: 1, policy: "immsched", params: { slackShare: 0.5, maxVictims: 1 }, solveBudget: 100000 }),
    );
    const out = join(dir, "run.json");
    const r = immsched(["run", "--quiet", "--time-scale", "0.25", "--config", settings, "--json", out], undefined, 120_000);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.tasks.arrived).toBe(120);
    expect(json.tasks.lost).toBe(0);
  }, 150_000);

  it("refuses a knob out of range in it, naming the field", () => {
    const settings = join(dir, "bad-run.json");
    writeFileSync(settings, JSON.stringify({ version: 1, policy: "immsched", params: { maxVictims: 7 } }));
    const r = immsched(["run", "--quiet", "--config", settings]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/params\.maxVictims/);
  });
});
