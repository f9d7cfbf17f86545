// Arrival recipes: XRBench frames (FPS, deadlines, dependencies, probabilities) and Dysta's
// Poisson arrivals with priorities {1, 3, 9}, checked statistically with fixed seeds.
import { describe, it, expect } from "vitest";
import { fileURLToPath } from "node:url";
import { readXrbenchFile } from "../../../host/workloads/xrbench.js";
import { DYSTA_PRIORITIES, dystaArrivals, framePeriodMs, materialize, xrbenchArrivals } from "../../../host/workloads/arrivals.js";
import { compileModel } from "../../../host/workloads/profiles.js";
import { defaultConfig } from "../../../firmware-bridge/accelerator/constants.js";
import { conv } from "../../../firmware-bridge/accelerator/cost.js";

const file = (f: string) => readXrbenchFile(fileURLToPath(new URL(`../../../data/xrbench/${f}`, import.meta.url))).networks;

describe("XRBench frames", () => {
  const vr = file("VR_gaming.m");

  it("inject frame k at k * floor(1000/FPS) ms, due at the next frame, over the duration", () => {
    const a = xrbenchArrivals(vr, { durationMs: 700, seed: 1 });
    const of = (m: string) => a.filter((x) => x.model === m);
    expect(framePeriodMs(60)).toBe(16);
    expect(framePeriodMs(45)).toBe(22);
    expect(of("ES_RITNet")).toHaveLength(44); // 16 * 43 < 700
    expect(of("GE_FBNet_C")).toHaveLength(44);
    expect(of("HT_hand_graph_cnn_half")).toHaveLength(32); // 22 * 31 < 700
    for (const x of of("HT_hand_graph_cnn_half")) {
      expect(x.tNs).toBe(x.frame! * 22e6);
      expect(x.deadlineNs).toBe((x.frame! + 1) * 22e6);
      expect(x.after).toBeUndefined();
      expect(x.priority).toBe(1);
    }
  });

  it("a dependent frame waits for its parent's frame (TaskArrival.after)", () => {
    const a = xrbenchArrivals(vr, { durationMs: 100, seed: 1 });
    for (const x of a.filter((y) => y.model === "GE_FBNet_C")) {
      expect(x.after).toEqual({ model: "ES_RITNet", frame: x.frame });
      expect(a.some((p) => p.model === "ES_RITNet" && p.frame === x.frame)).toBe(true);
    }
  });

  it("a Probability lets that share of frames through (outdoor_activity_A: ASR 0.2 after KD)", () => {
    const oa = file("outdoor_activity_A.m");
    const a = xrbenchArrivals(oa, { durationMs: 1_000_000, seed: 3 });
    const kd = a.filter((x) => x.model === "KD_res8_narrow").length;
    const asr = a.filter((x) => x.model === "ASR_EM_24L");
    expect(kd).toBe(3004); // 333 ms frames: k = 0..3003
    expect(asr.length / kd).toBeGreaterThan(0.2 - 0.025); // about 3.4 sigma
    expect(asr.length / kd).toBeLessThan(0.2 + 0.025);
    for (const x of asr) expect(x.after).toEqual({ model: "KD_res8_narrow", frame: x.frame });
  });

  it("is deterministic per seed, and each network's draws do not depend on the duration", () => {
    const oa = file("outdoor_activity_A.m");
    expect(xrbenchArrivals(oa, { durationMs: 20_000, seed: 5 })).toEqual(xrbenchArrivals(oa, { durationMs: 20_000, seed: 5 }));
    expect(xrbenchArrivals(oa, { durationMs: 20_000, seed: 5 })).not.toEqual(xrbenchArrivals(oa, { durationMs: 20_000, seed: 6 }));
    const short = xrbenchArrivals(oa, { durationMs: 10_000, seed: 5 });
    const long = xrbenchArrivals(oa, { durationMs: 20_000, seed: 5 }).filter((x) => x.tNs < 10_000e6);
    expect(long).toEqual(short);
  });
});

describe("Dysta recipe", () => {
  const models = [
    { name: "a", isolatedNs: 1e6 },
    { name: "b", isolatedNs: 5e6 },
    { name: "c", isolatedNs: 2.5e5 },
  ];
  const a = dystaArrivals(models, { rate: 500, sloMult: 10, durationMs: 20_000, seed: 42 });

  it("arrives as a Poisson process at the given rate", () => {
    expect(a.length).toBeGreaterThan(10_000 * 0.96); // 10,000 expected, sigma 100
    expect(a.length).toBeLessThan(10_000 * 1.04);
    const gaps = a.slice(1).map((x, i) => x.tNs - a[i]!.tNs);
    const m = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - m) ** 2, 0) / gaps.length);
    expect(m).toBeGreaterThan(2e6 * 0.96);
    expect(m).toBeLessThan(2e6 * 1.04);
    expect(sd / m).toBeGreaterThan(0.95); // exponential gaps: coefficient of variation 1
    expect(sd / m).toBeLessThan(1.05);
    for (const x of a) {
      expect(Number.isInteger(x.tNs)).toBe(true);
      expect(x.tNs).toBeLessThan(20_000e6);
    }
  });

  it("draws priorities uniformly from {1, 3, 9} and models uniformly", () => {
    for (const p of DYSTA_PRIORITIES) {
      const share = a.filter((x) => x.priority === p).length / a.length;
      expect(share).toBeGreaterThan(1 / 3 - 0.02);
      expect(share).toBeLessThan(1 / 3 + 0.02);
    }
    expect(new Set(a.map((x) => x.priority))).toEqual(new Set([1, 3, 9]));
    for (const m of models) expect(a.filter((x) => x.model === m.name).length / a.length).toBeCloseTo(1 / 3, 1);
  });

  it("sets deadline = arrival + sloMult * isolated latency", () => {
    for (const x of a.slice(0, 200)) {
      expect(x.deadlineNs - x.tNs).toBe(Math.round(10 * models.find((m) => m.name === x.model)!.isolatedNs));
    }
  });

  it("is deterministic per seed, and can produce an exact count", () => {
    expect(dystaArrivals(models, { rate: 100, sloMult: 5, durationMs: 1000, seed: 1 })).toEqual(
      dystaArrivals(models, { rate: 100, sloMult: 5, durationMs: 1000, seed: 1 }),
    );
    expect(dystaArrivals(models, { rate: 100, sloMult: 5, durationMs: 1000, seed: 1 })).not.toEqual(
      dystaArrivals(models, { rate: 100, sloMult: 5, durationMs: 1000, seed: 2 }),
    );
    expect(dystaArrivals(models, { rate: 100, sloMult: 5, count: 77, seed: 1 })).toHaveLength(77);
  });

  it("refuses a bad rate or slo multiplier", () => {
    expect(() => dystaArrivals(models, { rate: 0, sloMult: 5, durationMs: 1, seed: 1 })).toThrow(/rate must be > 0/);
    expect(() => dystaArrivals(models, { rate: 1, sloMult: -1, durationMs: 1, seed: 1 })).toThrow(/sloMult/);
  });
});

describe("materialize", () => {
  it("sorts by arrival time (stably), numbers ids 1..n and gives each task its sample's profile", () => {
    const cfg = defaultConfig();
    const m = compileModel(
      {
        name: "toy",
        layers: [conv("c1", { K: 16, C: 3, Y: 34, X: 34, R: 3, S: 3 }), conv("c2", { K: 16, C: 16, Y: 32, X: 32, R: 3, S: 3 })],
      },
      cfg,
    );
    const specs = [
      { tNs: 5, model: "toy", priority: 1, deadlineNs: 50, sample: 1 },
      { tNs: 1, model: "toy", priority: 3, deadlineNs: 50, sample: 2 },
      { tNs: 5, model: "toy", priority: 9, deadlineNs: 50, sample: 3 },
    ];
    const a = materialize(specs, new Map([["toy", m]]));
    expect(a.map((x) => [x.id, x.arrivalNs, x.priority, x.sample])).toEqual([
      [1, 1, 3, 2],
      [2, 5, 1, 1],
      [3, 5, 9, 3],
    ]);
    expect(a[0]!.profile.pipelines.size).toBe(m.variants.length);
    expect(a[0]!.isolatedNs).not.toBe(a[1]!.isolatedNs); // different samples, different sparsity
    expect(() => materialize([{ ...specs[0]!, model: "nope" }], new Map([["toy", m]]))).toThrow(/unknown model 'nope'/);
  });
});
