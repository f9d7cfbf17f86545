// Synthetic workloads for controller tests: small models with hand-chosen layer times and chain
// or branch-and-merge pipeline variants, arrivals from a seeded generator. Independent of the
// cost model, so a controller test fails only for the controller.

import type { ModelEntry } from "../../host/core/controller.js";
import type { TaskArrival } from "../../host/sim/types.js";
import type { PipelineProfile, TaskProfile } from "../../firmware-bridge/board/profile.js";
import { mulberry32 } from "../../host/workloads/random.js";

const chain = (k: number) => Array.from({ length: k - 1 }, (_, i) => [i, i + 1] as [number, number]);

export interface SyntheticModel {
  name: string;
  layerNs: number[];
  ks: number[];
}

export function modelEntry(m: SyntheticModel): ModelEntry {
  const total = m.layerNs.reduce((a, b) => a + b, 0);
  return {
    name: m.name,
    layerEstNs: m.layerNs,
    isolatedNs: total,
    variants: m.ks.map((k) => ({ stages: k, estNs: pipelineNs(total, k), edges: chain(k) })),
  };
}

/** A k-stage pipeline of a model of `total` ns on the whole array: 64 tiles share the work. */
function pipelineNs(total: number, k: number): number {
  return (total * 64) / (k * 4) + k * 100;
}

export function pipeline(total: number, k: number, scale = 1): PipelineProfile {
  const t = pipelineNs(total, k) * scale;
  const stageDoneNs = Array.from({ length: k }, (_, i) => (t * (i + 1 + 3 * k)) / (4 * k));
  return {
    stages: k,
    stageDoneNs,
    stageBusyNs: stageDoneNs.map(() => t / k),
    totalNs: t,
    beatNs: t / (4 * k),
    energyPJ: total * 10,
    checkpointNs: 500,
    checkpointEnergyPJ: 1000,
  };
}

export function profile(m: SyntheticModel, scale = 1): TaskProfile {
  const total = m.layerNs.reduce((a, b) => a + b, 0);
  return {
    layerNs: m.layerNs.map((ns) => ns * scale),
    layerEnergyPJ: m.layerNs.map((ns) => ns * 10),
    pipelines: new Map(m.ks.map((k) => [k, pipeline(total, k, scale)])),
  };
}

export const MODELS: SyntheticModel[] = [
  { name: "small", layerNs: [2000, 3000, 1000], ks: [1, 2, 4] },
  { name: "medium", layerNs: [5000, 5000, 8000, 2000], ks: [1, 2, 4, 8] },
  { name: "large", layerNs: [20000, 10000, 30000, 10000, 10000], ks: [1, 4, 8, 16] },
];

/** Poisson-like arrivals of random models with priorities 1/3/9 and slack multipliers 2..30. */
export function randomArrivals(seed: number, count: number, meanGapNs: number): TaskArrival[] {
  const rand = mulberry32(seed);
  let t = 0;
  const out: TaskArrival[] = [];
  for (let id = 1; id <= count; id++) {
    t += -Math.log(1 - rand()) * meanGapNs;
    const m = MODELS[Math.floor(rand() * MODELS.length)]!;
    const iso = m.layerNs.reduce((a, b) => a + b, 0);
    const scale = 0.7 + 0.6 * rand(); // per-sample variation, as sparsity causes
    out.push({
      id,
      model: m.name,
      arrivalNs: t,
      deadlineNs: t + iso * (2 + 28 * rand()),
      priority: [1, 3, 9][Math.floor(rand() * 3)]!,
      isolatedNs: iso,
      isolatedEnergyPJ: iso * 10,
      profile: profile(m, scale),
    });
  }
  return out;
}
