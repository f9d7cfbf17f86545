// The settings search (host/tune/search.ts) with the real simulator and core in the loop.
import { describe, expect, it } from "vitest";
import { dimensionsFor, evaluate, search, DEFAULT_SETTING } from "../../../host/tune/search.js";

const workload = { scenarios: ["dysta"], rates: [200], board: { mesh: { width: 8, height: 8, torus: false } } };

describe("the (1+lambda) evolution strategy", () => {
  it("searches only the knobs that act under the policy", () => {
    expect(dimensionsFor("fcfs").map((d) => d.name)).toEqual(["hopelessShare"]);
    expect(dimensionsFor("dysta").map((d) => d.name)).toEqual(["hopelessShare", "dystaBeta"]);
    expect(dimensionsFor("immsched").map((d) => d.name)).toEqual(["hopelessShare", "maxVictims", "solveBudget", "slackShare"]);
  });

  it("keeps to its budget, never gets worse than the defaults, and finds the same settings from the same seed", async () => {
    const o = { policy: "dysta" as const, workload, trainSeeds: [1, 2], budget: 9, seed: 5 };
    const a = await search(o);
    expect(a.evaluated).toBe(9);
    expect(a.bestOutcome.loss).toBeLessThanOrEqual(a.defaultOutcome.loss);
    for (let i = 1; i < a.history.length; i++) expect(a.history[i]).toBeLessThanOrEqual(a.history[i - 1]!);
    // the reported outcome is what the settings give when run again
    expect((await evaluate("dysta", a.best, workload, [1, 2])).loss).toBe(a.bestOutcome.loss);
    const b = await search(o);
    expect(b.best).toEqual(a.best);
    expect(b.bestOutcome).toEqual(a.bestOutcome);
  }, 120_000);

  it("the defaults are the core's: evaluating them equals a run with no settings at all", async () => {
    const withDefaults = await evaluate("immsched", DEFAULT_SETTING, workload, [3]);
    const { runBench } = await import("../../../host/bench/policy-bench.js");
    const plain = await runBench({ scenarios: ["dysta"], rates: [200], policies: ["immsched"], seeds: [3], board: workload.board });
    expect(withDefaults.violationRate).toBe(plain.runs[0]!.metrics.violationRate);
    expect(withDefaults.xrbenchScore).toBe(plain.runs[0]!.metrics.xrbenchScore);
  }, 60_000);
});
