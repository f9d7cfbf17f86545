// Model variants through the real Wasm core: under overload (the Dysta recipe at 400/s) every
// policy with variants on misses fewer deadlines at an accuracy cost (accuracyLoss > 0), runs
// without variants report no accuracyLoss, and a run with variants replays bit for bit from its
// schedule IR (the arrive lines carry the chosen variant) — a property over seeds and policies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runBench, runPolicy } from "../../../host/bench/policy-bench.js";
import { POLICIES, type PolicyName } from "../../../host/core/controller.js";
import { reportedMetricNames } from "../../../host/sim/metrics.js";
import { parseTrace } from "../../../host/trace/reader.js";
import { replayTrace } from "../../../host/trace/replay.js";
import { TraceWriter } from "../../../host/trace/writer.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { InputError } from "../../../host/formats/input-error.js";

const board = { mesh: { width: 8, height: 8, torus: false } };

describe("model variants on the real core", () => {
  it("under overload every policy misses fewer deadlines with variants, at a reported accuracy cost", async () => {
    const spec = { scenarios: ["dysta"], rates: [400], durationMs: 300, seeds: [1, 2], board, policies: [...POLICIES] };
    const off = await runBench(spec);
    const on = await runBench({ ...spec, modelVariants: true });
    for (const p of POLICIES) {
      const a = off.summary[p]!;
      const b = on.summary[p]!;
      expect(a.accuracyLoss, p).toBeUndefined();
      expect(b.accuracyLoss, p).toBeGreaterThan(0);
      expect(b.accuracyLoss, p).toBeLessThanOrEqual(6.9); // the default set's narrowest costs 6.9 points
      expect(b.violationRate, `${p}: ${b.violationRate} vs ${a.violationRate}`).toBeLessThan(a.violationRate);
    }
  }, 240_000);

  it("an idle board runs every task at full width: no accuracy lost, the same schedule as without variants", async () => {
    const s = loadScenario("dysta", { seed: 4, board, rate: 5, durationMs: 400, modelVariants: true });
    const off = loadScenario("dysta", { seed: 4, board, rate: 5, durationMs: 400 });
    const a = await runPolicy(s, "immsched", 4, { board, nsPerWork: 5, modelVariants: true });
    const b = await runPolicy(off, "immsched", 4, { board, nsPerWork: 5 });
    expect(a.metrics.accuracyLoss).toBe(0);
    expect(a.log.tasks.every((t) => t.width === 1)).toBe(true);
    const { accuracyLoss: _, ...rest } = a.metrics;
    expect(rest).toEqual(b.metrics);
  }, 60_000);

  it("refuses variants with the xrbench reference policy, clearly", async () => {
    await expect(runBench({ scenarios: ["VR_gaming"], seeds: [1], board, policies: ["xrbench"], modelVariants: true })).rejects.toThrow(
      InputError,
    );
  });

  it("property: runs with variants replay bit for bit, accuracyLoss included", async () => {
    const widths = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom<PolicyName>(...POLICIES),
        fc.constantFrom({ spec: "dysta", rate: 400, durationMs: 150 }, { spec: "AR_gaming", durationMs: 250 }),
        async (seed, policy, w) => {
          const s = loadScenario(w.spec, { seed, board, rate: w.rate, durationMs: w.durationMs, modelVariants: true });
          const writer = new TraceWriter();
          const { metrics, log } = await runPolicy(s, policy, seed, { board, nsPerWork: 5, modelVariants: true }, writer, w.spec);
          for (const t of log.tasks) if (t.width !== undefined) widths.add(t.width);
          const r = replayTrace(parseTrace(writer.text()));
          expect(r.differ).toEqual([]);
          expect(reportedMetricNames(r.metrics)).toContain("accuracyLoss");
          for (const k of reportedMetricNames(metrics)) expect(Object.is(r.metrics[k], metrics[k]), k).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
    // the property saw narrowed tasks, not only full widths
    expect([...widths].sort()).toEqual([0.5, 0.75, 1]);
  }, 240_000);

  it("a trace whose variant was changed no longer passes for the run", async () => {
    const s = loadScenario("dysta", { seed: 2, board, rate: 400, durationMs: 150, modelVariants: true });
    const writer = new TraceWriter();
    await runPolicy(s, "fcfs", 2, { board, nsPerWork: 5, modelVariants: true }, writer, "dysta");
    const text = writer.text();
    expect(text).toContain('"lossPoints":6.9');
    const r = replayTrace(parseTrace(text.replaceAll('"lossPoints":6.9', '"lossPoints":2.2')));
    expect(r.differ).toContain("accuracyLoss");
  }, 60_000);
});
