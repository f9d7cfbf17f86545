// Online tuning (host/tune/online.ts): Rprop's sign rule on a knob, from the outcome of each
// window of settled tasks; and the simulator with it in the loop on a workload that changes.
import { describe, expect, it } from "vitest";
import { simulate } from "../../../host/sim/simulate.js";
import { OnlineTuner } from "../../../host/tune/online.js";
import { loadScenario } from "../../../host/workloads/scenario.js";

/** Feeds one window whose miss share is `share` (rounded to whole tasks). */
function window(t: OnlineTuner, size: number, share: number) {
  const missed = Math.round(share * size);
  let out: ReturnType<OnlineTuner["observe"]>;
  for (let i = 0; i < size; i++) out = t.observe({ missed: i < missed, antt: 1 });
  return out;
}

describe("the update rule", () => {
  it("walks a knob to the minimum of a loss and settles there", () => {
    const t = new OnlineTuner("immsched", { window: 1000 });
    // loss over slackShare, least at 0.6
    for (let k = 0; k < 40; k++) window(t, 1000, Math.min(1, 2 * (t.value - 0.6) ** 2));
    expect(t.value).toBeGreaterThan(0.55);
    expect(t.value).toBeLessThan(0.65);
    expect(t.converged).toBe(true);
  });

  it("starts over from a full step when the loss departs from its running mean, and settles on the new minimum", () => {
    const t = new OnlineTuner("immsched", { window: 1000 });
    for (let k = 0; k < 30; k++) window(t, 1000, Math.min(1, 2 * (t.value - 0.6) ** 2));
    const before = t.resets.length;
    for (let k = 0; k < 40; k++) window(t, 1000, Math.min(1, 0.3 + 2 * (t.value - 0.2) ** 2));
    expect(t.resets.length).toBeGreaterThan(before);
    expect(t.value).toBeGreaterThan(0.15);
    expect(t.value).toBeLessThan(0.25);
    expect(t.converged).toBe(true);
  });

  it("adapts Dysta's beta on a log scale and keeps every knob in its range", () => {
    const t = new OnlineTuner("dysta");
    expect(t.knob).toBe("dystaBeta");
    for (let k = 0; k < 30; k++) {
      const p = window(t, 80, k % 2 ? 0.9 : 0);
      expect(p!.dystaBeta).toBeGreaterThanOrEqual(1e-4);
      expect(p!.dystaBeta).toBeLessThanOrEqual(10);
    }
  });
});

describe("in the loop", () => {
  it("after the arrival rate doubles half-way, it notices within 3 windows and converges within 12 more", async () => {
    const board = { mesh: { width: 8, height: 8, torus: false } };
    const a = loadScenario("dysta", { seed: 1, board, rate: 200, durationMs: 3000 });
    const b = loadScenario("dysta", { seed: 2, board, rate: 400, durationMs: 3000 });
    const shift = (x: (typeof b.arrivals)[number]) => ({
      ...x,
      id: x.id + 1_000_000,
      arrivalNs: x.arrivalNs + 3e9,
      deadlineNs: x.deadlineNs + 3e9,
    });
    const arrivals = [...a.arrivals, ...b.arrivals.map(shift)];
    const tuner = new OnlineTuner("immsched");
    await simulate({ policy: "immsched", board, models: a.models, arrivals, seed: 1, nsPerWork: 5, tuner });
    const h = tuner.history;
    // the first window that holds tasks of the second half
    const change = h.findIndex((u) => u.settled > a.arrivals.length);
    expect(change).toBeGreaterThan(2);
    const reset = tuner.resets.find((k) => k >= change - 1);
    expect(reset, `resets at ${tuner.resets.join(",")}, change at ${change}`).toBeDefined();
    expect(reset!).toBeLessThanOrEqual(change + 3);
    const last = tuner.resets[tuner.resets.length - 1]!;
    const settledAt = h.findIndex((_u, k) => k > last && h.slice(k).every((v) => v.step < 0.02));
    expect(settledAt, h.map((u) => u.step.toFixed(3)).join(" ")).toBeGreaterThan(0);
    expect(settledAt - last).toBeLessThanOrEqual(12);
    const tail = h.slice(settledAt).map((u) => u.value);
    expect(Math.max(...tail) - Math.min(...tail)).toBeLessThan(0.05);
  }, 120_000);
});
