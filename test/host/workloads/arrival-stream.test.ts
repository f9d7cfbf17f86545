// Continuous workloads: a scenario's stream over a window yields exactly the arrivals the bench
// materializes for that window (ids, times, frames, dependencies, samples), generated lazily so a
// run can go on for as long as it is left running.
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../../host/workloads/scenario.js";
import type { WorkloadArrival } from "../../../host/workloads/arrivals.js";

const board = { mesh: { width: 8, height: 8, torus: false } };

/** What a run reads of an arrival (the profile follows from the sample, compared through isolatedNs). */
const view = (a: WorkloadArrival) => ({
  id: a.id,
  model: a.model,
  arrivalNs: a.arrivalNs,
  deadlineNs: a.deadlineNs,
  priority: a.priority,
  frame: a.frame,
  after: a.after,
  sample: a.sample,
  isolatedNs: a.isolatedNs,
});

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of it) {
    if (out.length >= n) break;
    out.push(x);
  }
  return out;
}

describe("arrival streams", () => {
  for (const [spec, windowMs] of [
    ["VR_gaming", 2500],
    ["outdoor_activity_A", 3000], // dependencies and a Probability
    ["dysta", 1500],
  ] as const) {
    it(`${spec}: the stream over ${windowMs} ms is the bench's workload of that window`, () => {
      const bench = loadScenario(spec, { seed: 7, board, durationMs: windowMs });
      const short = loadScenario(spec, { seed: 7, board }); // the scenario's own window: only the stream is used
      const streamed = [...short.stream(windowMs)];
      expect(streamed.length).toBeGreaterThan(short.arrivals.length);
      expect(streamed.map(view)).toEqual(bench.arrivals.map(view));
    });
  }

  it("an endless stream is generated as it is consumed, and its prefix is the finite window's", () => {
    const s = loadScenario("VR_gaming", { seed: 3, board });
    const first = take(s.stream(Infinity), 500);
    expect(first).toHaveLength(500);
    const window = [...s.stream(first[499]!.arrivalNs / 1e6 + 1)];
    expect(first.map(view)).toEqual(window.slice(0, 500).map(view));
    // strictly periodic: frame k of each model at k * its period, for as long as it runs
    const es = first.filter((a) => a.model === "ES_RITNet");
    expect(es.map((a) => a.arrivalNs)).toEqual(es.map((_, k) => k * 16e6));
  });

  it("a trace has only its own arrivals, cut at the window", () => {
    const s = loadScenario("examples/trace-small.json", { seed: 1, board });
    const cut = s.arrivals[Math.floor(s.arrivals.length / 2)]!.arrivalNs;
    expect([...s.stream(Infinity)].map(view)).toEqual(s.arrivals.map(view));
    expect([...s.stream(cut / 1e6)].every((a) => a.arrivalNs < cut)).toBe(true);
  });
});
