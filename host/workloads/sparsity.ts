// Per-sample variation of layer latency as activation sparsity causes it (Dysta, "sparse multi-DNN
// scheduling": the same model takes a different time on every input because its ReLU activations
// are zero in different places). Each layer has a median sparsity around the model's mean; each
// sample draws every layer's sparsity from a Beta-like (logit-normal) distribution around it, with
// one shared factor per sample so that layers of the same input move together (a dark frame is
// sparse everywhere). The accelerator skips a share e of zero-activation MACs, so a layer's compute
// work relative to the controller's estimate (made at the median) is
//     scale = (1 - e * s_sample) / (1 - e * s_median),
// which is exactly what Dysta's gamma = (1 - s_measured) / (1 - s_average) corrects at e = 1.
// All draws come from mulberry32 (random.ts), never Math.random.

import { type Random, mulberry32 } from "./random.js";

export interface SparsityOptions {
  /** Spread of a layer's sparsity on the logit scale (0 = no variation). */
  spread: number;
  /** Share of the spread common to all layers of one sample (0 = independent layers, 1 = all move together). */
  correlation: number;
  /** How far per-layer medians scatter around the model mean (uniform +/-). */
  layerJitter: number;
}

export const DEFAULT_SPARSITY_OPTIONS: SparsityOptions = { spread: 0.6, correlation: 0.6, layerJitter: 0.15 };

/** 32-bit FNV-1a of a string: a stable seed from a model name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Median sparsity of every layer: the model mean with a fixed per-layer scatter (seeded by the
 * model name, so it is the same in every run). The first layer reads the raw input (an image or a
 * spectrogram), which is dense.
 */
export function layerMedians(model: string, layers: number, mean: number, opts: SparsityOptions = DEFAULT_SPARSITY_OPTIONS): number[] {
  const rand = mulberry32(hashString(model));
  return Array.from({ length: layers }, (_, i) => {
    const jitter = (rand() * 2 - 1) * opts.layerJitter;
    if (i === 0 || mean <= 0) return 0;
    return Math.min(0.95, Math.max(0.02, mean + jitter));
  });
}

/** A standard normal draw (Box-Muller). */
export function normal(rand: Random): number {
  const u = 1 - rand(); // (0, 1]
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One sample's sparsity of every layer around `medians`. */
export function sampleSparsity(medians: readonly number[], rand: Random, opts: SparsityOptions = DEFAULT_SPARSITY_OPTIONS): number[] {
  const rho = Math.min(1, Math.max(0, opts.correlation));
  const shared = normal(rand);
  const own = Math.sqrt(1 - rho * rho);
  return medians.map((m) => {
    const z = rho * shared + own * normal(rand); // drawn even for dense layers: the stream stays aligned
    if (m <= 0) return 0;
    return sigmoid(logit(m) + opts.spread * z);
  });
}

/** Compute work of a layer at sparsity `s` relative to its median `m`, with zero-skipping efficiency `e`. */
export function densityScale(s: number, m: number, e: number): number {
  return (1 - e * s) / (1 - e * m);
}

/** The per-layer compute scales of the sample seeded by `sampleSeed`. */
export function sampleScales(
  medians: readonly number[],
  sampleSeed: number,
  zeroSkip: number,
  opts: SparsityOptions = DEFAULT_SPARSITY_OPTIONS,
): { sparsity: number[]; scales: number[] } {
  const sparsity = sampleSparsity(medians, mulberry32(sampleSeed), opts);
  return { sparsity, scales: sparsity.map((s, i) => densityScale(s, medians[i]!, zeroSkip)) };
}
