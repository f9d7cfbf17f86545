// Per-sample sparsity and the profiles built from it: the controller's ModelEntry (estimates at the
// median sparsity) and each task's actual TaskProfile.
import { describe, it, expect } from "vitest";
import { fileURLToPath } from "node:url";
import { defaultConfig } from "../../../firmware-bridge/accelerator/constants.js";
import { readXrbenchFile } from "../../../host/workloads/xrbench.js";
import { compileModel, profileAt, sampleTask } from "../../../host/workloads/profiles.js";
import { densityScale, layerMedians, sampleScales, sampleSparsity } from "../../../host/workloads/sparsity.js";
import { mulberry32 } from "../../../host/workloads/random.js";
import type { PipelineProfile } from "../../../firmware-bridge/board/profile.js";

const cfg = defaultConfig();
const vr = readXrbenchFile(fileURLToPath(new URL("../../../data/xrbench/VR_gaming.m", import.meta.url))).networks;
const es = vr[0]!;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function corr(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  a.forEach((x, i) => {
    num += (x - ma) * (b[i]! - mb);
    da += (x - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  });
  return num / Math.sqrt(da * db);
}

describe("sparsity samples", () => {
  it("medians sit around the model mean, the first layer (raw input) is dense, and they are fixed per model", () => {
    const m = layerMedians("ES_RITNet", 42, 0.45);
    expect(m[0]).toBe(0);
    for (const x of m.slice(1)) expect(Math.abs(x - 0.45)).toBeLessThanOrEqual(0.15 + 1e-12);
    expect(layerMedians("ES_RITNet", 42, 0.45)).toEqual(m);
    expect(layerMedians("GE_FBNet_C", 42, 0.45)).not.toEqual(m);
  });

  it("vary around the median, in (0, 1), correlated within a sample", () => {
    const medians = layerMedians("m", 20, 0.5);
    const rand = mulberry32(7);
    const samples = Array.from({ length: 2000 }, () => sampleSparsity(medians, rand));
    for (const s of samples) for (const x of s.slice(1)) expect(x > 0 && x < 1).toBe(true);
    // the sample median of each layer is close to its median (logit-normal: the median is exact)
    for (let l = 1; l < 20; l++) {
      const col = samples.map((s) => s[l]!).sort((a, b) => a - b);
      expect(Math.abs(col[1000]! - medians[l]!)).toBeLessThan(0.03);
    }
    // a shared factor: two layers of the same sample move together (rho^2 = 0.36 on the logit scale)
    expect(
      corr(
        samples.map((s) => s[3]!),
        samples.map((s) => s[11]!),
      ),
    ).toBeGreaterThan(0.2);
  });

  it("scale compute by (1 - e s) / (1 - e m), Dysta's gamma at e = 1", () => {
    expect(densityScale(0.5, 0.5, 0.75)).toBe(1);
    expect(densityScale(0.8, 0.5, 1)).toBeCloseTo(0.2 / 0.5, 12);
    expect(densityScale(0.2, 0.5, 0.5)).toBeCloseTo(0.9 / 0.75, 12);
  });

  it("are a pure function of the sample seed", () => {
    const med = layerMedians("m", 10, 0.4);
    expect(sampleScales(med, 99, 0.75)).toEqual(sampleScales(med, 99, 0.75));
    expect(sampleScales(med, 99, 0.75)).not.toEqual(sampleScales(med, 100, 0.75));
  });
});

function checkPipeline(p: PipelineProfile, k: number) {
  expect(p.stages).toBe(k);
  expect(p.stageDoneNs).toHaveLength(k);
  expect(p.stageBusyNs).toHaveLength(k);
  // lanes of one stage finish together; the next stage later
  for (let i = 1; i < k; i++) expect(p.stageDoneNs[i]!).toBeGreaterThanOrEqual(p.stageDoneNs[i - 1]!);
  expect(p.totalNs).toBe(p.stageDoneNs[k - 1]);
  expect(p.beatNs).toBeGreaterThan(0);
  expect(p.beatNs).toBeLessThanOrEqual(p.totalNs);
  for (const b of p.stageBusyNs) expect(b).toBeLessThanOrEqual(p.totalNs);
  expect(p.energyPJ).toBeGreaterThan(0);
  expect(p.checkpointNs).toBeGreaterThan(0);
  expect(p.checkpointEnergyPJ).toBeGreaterThanOrEqual(0);
}

describe("ModelEntry of a chain model", () => {
  const cm = compileModel({ name: es.name, layers: es.layers }, cfg);

  it("has one estimate per layer summing to the isolated latency, and variants from one tile to the whole 8x8 mesh", () => {
    expect(cm.entry.name).toBe("ES_RITNet");
    expect(cm.entry.layerEstNs).toHaveLength(42);
    expect(cm.entry.isolatedNs).toBeCloseTo(
      cm.entry.layerEstNs.reduce((a, b) => a + b, 0),
      6,
    );
    expect(cm.entry.variants.map((v) => v.stages)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    for (const v of cm.entry.variants) {
      const c = cm.variants.find((c) => c.tiles === v.stages)!;
      expect(c.plan.stages * c.lanes).toBe(v.stages);
      // a chain of stages in every lane, and each stage's lanes linked in a row: a stages x lanes grid
      const m = c.lanes;
      const grid: Array<[number, number]> = [];
      for (let s = 0; s < c.plan.stages; s++) {
        for (let j = 0; j < m; j++) {
          if (s + 1 < c.plan.stages) grid.push([s * m + j, (s + 1) * m + j]);
          if (j + 1 < m) grid.push([s * m + j, s * m + j + 1]);
        }
      }
      expect(v.edges).toEqual(grid.sort((x, y) => x[0] - y[0] || x[1] - y[1]));
      expect(v.estNs).toBe(c.estimate.totalNs);
    }
    // more stages, faster (dominated variants are dropped)
    for (let i = 1; i < cm.entry.variants.length; i++) expect(cm.entry.variants[i]!.estNs).toBeLessThan(cm.entry.variants[i - 1]!.estNs);
  });

  it("the estimate profile is the ModelEntry's", () => {
    const est = profileAt(cm);
    expect(est.profile.layerNs).toEqual(cm.entry.layerEstNs);
    expect(est.isolatedNs).toBeCloseTo(cm.entry.isolatedNs, 6);
    for (const v of cm.entry.variants) expect(est.profile.pipelines.get(v.stages)!.totalNs).toBe(v.estNs);
  });
});

describe("TaskProfile of a sample", () => {
  const cm = compileModel({ name: es.name, layers: es.layers }, cfg);

  it("has every layer and every variant's pipeline, consistent with the board model's expectations", () => {
    const s = sampleTask(cm, 1234);
    expect(s.profile.layerNs).toHaveLength(42);
    expect(s.profile.layerEnergyPJ).toHaveLength(42);
    expect([...s.profile.pipelines.keys()]).toEqual(cm.entry.variants.map((v) => v.stages));
    for (const [k, p] of s.profile.pipelines) checkPipeline(p, k);
    expect(s.isolatedNs).toBeCloseTo(
      s.profile.layerNs.reduce((a, b) => a + b, 0),
      6,
    );
    expect(s.isolatedEnergyPJ).toBeCloseTo(
      s.profile.layerEnergyPJ.reduce((a, b) => a + b, 0),
      3,
    );
  });

  it("differs from the estimate per sample, around it, and is reproducible from its seed", () => {
    const iso = Array.from({ length: 400 }, (_, i) => sampleTask(cm, i).isolatedNs);
    expect(new Set(iso).size).toBe(400);
    const ratio = mean(iso) / cm.entry.isolatedNs;
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
    expect(Math.min(...iso)).toBeLessThan(0.95 * cm.entry.isolatedNs);
    expect(Math.max(...iso)).toBeGreaterThan(1.05 * cm.entry.isolatedNs);
    expect(sampleTask(cm, 5)).toEqual(sampleTask(cm, 5));
    // less compute work is faster in both worlds, never slower than DRAM allows
    const half = profileAt(
      cm,
      cm.medians.map(() => 0.5),
    );
    const full = profileAt(cm);
    expect(half.isolatedNs).toBeLessThan(full.isolatedNs);
    expect(half.isolatedNs).toBeGreaterThanOrEqual(full.isolatedNs / 2);
    for (const [k, p] of half.profile.pipelines) expect(p.totalNs).toBeLessThan(full.profile.pipelines.get(k)!.totalNs);
  });
});
