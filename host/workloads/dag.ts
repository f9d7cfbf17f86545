// Models as the workloads see them: a layer list, in a topological order, plus the data
// dependencies between layers. XRBench's networks are chains (each layer feeds the next); DAG
// models have branch-and-merge blocks as in ResNet (a residual skip) and Inception (parallel
// branches concatenated). Two built-in DAG models with the real CONV shapes of ResNet-18 and of
// GoogLeNet's first Inception modules (He et al. CVPR 2016; Szegedy et al. CVPR 2015).

import { InputError, type InputLocation } from "../formats/input-error.js";
import { type Layer, conv, layerShape } from "../../firmware-bridge/accelerator/cost.js";

export interface ModelSpec {
  name: string;
  layers: Layer[];
  /** Layer edges u -> v with u < v; absent means a chain in list order (XRBench). */
  edges?: Array<[number, number]>;
  /** Mean activation sparsity of its layers, 0..1 (default DEFAULT_SPARSITY). */
  sparsity?: number;
  /** Its model variants (width variants, model-variants.ts), widest first; used when a run turns variants on. */
  variants?: Array<{ width: number; accuracy: number }>;
}

/** Mean activation sparsity of a ReLU CNN when a model does not say (Dysta's benchmark sees 30-70%). */
export const DEFAULT_SPARSITY = 0.45;

/** The layer edges of a model: its own, or the chain 0->1->...->n-1. */
export function layerEdges(m: ModelSpec): Array<[number, number]> {
  if (m.edges) return m.edges;
  return Array.from({ length: Math.max(0, m.layers.length - 1) }, (_, i) => [i, i + 1] as [number, number]);
}

/** True when the model is a plain chain (its edges are exactly i -> i+1). */
export function isChain(m: ModelSpec): boolean {
  if (!m.edges) return true;
  if (m.edges.length !== m.layers.length - 1) return false;
  const set = new Set(m.edges.map(([a, b]) => `${a},${b}`));
  for (let i = 0; i + 1 < m.layers.length; i++) if (!set.has(`${i},${i + 1}`)) return false;
  return true;
}

/** Checks what types cannot: positive integer dimensions, edges forward and in range, no duplicates. */
export function checkModel(m: ModelSpec, where: InputLocation = {}): ModelSpec {
  const at = (field: string) => ({ ...where, field: where.field ? `${where.field}.${field}` : field });
  if (m.layers.length === 0) throw new InputError(`model ${m.name} has no layers`, at("layers"));
  m.layers.forEach((l, i) => {
    for (const d of ["N", "K", "C", "Y", "X", "R", "S", "strideY", "strideX"] as const) {
      if (!Number.isInteger(l[d]) || l[d] < 1) {
        throw new InputError(`expected a positive integer, got ${l[d]}`, at(`layers[${i}].${d}`));
      }
    }
    if (l.kind === "DSCONV" && l.C !== l.K)
      throw new InputError(`a depthwise layer needs C = K, got C ${l.C}, K ${l.K}`, at(`layers[${i}]`));
  });
  if (m.sparsity !== undefined && !(m.sparsity >= 0 && m.sparsity < 1)) {
    throw new InputError(`sparsity must be in [0, 1), got ${m.sparsity}`, at("sparsity"));
  }
  const seen = new Set<string>();
  m.edges?.forEach(([a, b], k) => {
    const n = m.layers.length;
    if (!(Number.isInteger(a) && a >= 0 && a < n)) throw new InputError(`layer ${a} does not exist (0..${n - 1})`, at(`edges[${k}][0]`));
    if (!(Number.isInteger(b) && b >= 0 && b < n)) throw new InputError(`layer ${b} does not exist (0..${n - 1})`, at(`edges[${k}][1]`));
    if (a >= b)
      throw new InputError(`edge ${a}->${b} goes backwards: layers must be listed in a topological order (u < v)`, at(`edges[${k}]`));
    const key = `${a},${b}`;
    if (seen.has(key)) throw new InputError(`edge ${a}->${b} is listed twice`, at(`edges[${k}]`));
    seen.add(key);
  });
  return m;
}

/** Builds a DAG layer by layer: each layer names the layers whose outputs it reads. */
class DagBuilder {
  readonly layers: Layer[] = [];
  readonly edges: Array<[number, number]> = [];

  add(l: Layer, inputs: readonly number[]): number {
    const id = this.layers.length;
    this.layers.push(l);
    for (const i of inputs) this.edges.push([i, id]);
    return id;
  }
}

/** Input side (padding included, as MAESTRO counts it) for an output of `out` with kernel r and stride s. */
function padded(out: number, r: number, stride: number): number {
  return (out - 1) * stride + r;
}

/**
 * ResNet-18 at 224x224 (He et al. 2016): stem, 8 basic blocks, 3 projection shortcuts, FC. The
 * residual add is fused into the block's second convolution, which therefore also reads the
 * block input (the skip edge) or the 1x1 projection of it.
 */
export function resnet18(): ModelSpec {
  const g = new DagBuilder();
  const stem = g.add(conv("conv1", { K: 64, C: 3, Y: padded(112, 7, 2), X: padded(112, 7, 2), R: 7, S: 7, stride: 2 }), []);
  let prev = stem; // after the 3x3/2 max-pool the map is 56x56
  let ch = 64;
  const stages: Array<[number, number]> = [
    [64, 56],
    [128, 28],
    [256, 14],
    [512, 7],
  ];
  stages.forEach(([out, outSize], s) => {
    for (let b = 0; b < 2; b++) {
      const down = b === 0 && s > 0;
      const stride = down ? 2 : 1;
      const tag = `layer${s + 1}.${b}`;
      const a = g.add(
        conv(`${tag}.conv1`, { K: out, C: ch, Y: padded(outSize, 3, stride), X: padded(outSize, 3, stride), R: 3, S: 3, stride }),
        [prev],
      );
      const skip = down
        ? g.add(conv(`${tag}.downsample`, { K: out, C: ch, Y: padded(outSize, 1, 2), X: padded(outSize, 1, 2), R: 1, S: 1, stride: 2 }), [
            prev,
          ])
        : prev;
      prev = g.add(conv(`${tag}.conv2`, { K: out, C: out, Y: outSize + 2, X: outSize + 2, R: 3, S: 3 }), [a, skip]);
      ch = out;
    }
  });
  g.add(conv("fc", { K: 1000, C: ch, Y: 1, X: 1, R: 1, S: 1 }), [prev]); // after global average pooling
  return { name: "resnet18", layers: g.layers, edges: g.edges, sparsity: 0.5 };
}

/**
 * GoogLeNet's stem and Inception modules 3a, 3b and 4a (Szegedy et al. 2015, Table 1): four
 * parallel branches (1x1; 1x1 -> 3x3; 1x1 -> 5x5; pool -> 1x1) concatenated.
 */
export function inception(): ModelSpec {
  const g = new DagBuilder();
  const c1 = g.add(conv("conv1", { K: 64, C: 3, Y: padded(112, 7, 2), X: padded(112, 7, 2), R: 7, S: 7, stride: 2 }), []);
  const c2 = g.add(conv("conv2_reduce", { K: 64, C: 64, Y: 56, X: 56, R: 1, S: 1 }), [c1]);
  const c3 = g.add(conv("conv2", { K: 192, C: 64, Y: 58, X: 58, R: 3, S: 3 }), [c2]);
  let inputs = [c3];
  let ch = 192;
  const modules: Array<[string, number, [number, number, number, number, number, number]]> = [
    ["3a", 28, [64, 96, 128, 16, 32, 32]],
    ["3b", 28, [128, 128, 192, 32, 96, 64]],
    ["4a", 14, [192, 96, 208, 16, 48, 64]],
  ];
  for (const [tag, n, [b1, r3, b3, r5, b5, pp]] of modules) {
    const m = (name: string, d: Parameters<typeof conv>[1], from: number[]) => g.add(conv(`inception${tag}.${name}`, d), from);
    const o1 = m("1x1", { K: b1, C: ch, Y: n, X: n, R: 1, S: 1 }, inputs);
    const r3id = m("3x3_reduce", { K: r3, C: ch, Y: n, X: n, R: 1, S: 1 }, inputs);
    const o3 = m("3x3", { K: b3, C: r3, Y: n + 2, X: n + 2, R: 3, S: 3 }, [r3id]);
    const r5id = m("5x5_reduce", { K: r5, C: ch, Y: n, X: n, R: 1, S: 1 }, inputs);
    const o5 = m("5x5", { K: b5, C: r5, Y: n + 4, X: n + 4, R: 5, S: 5 }, [r5id]);
    const op = m("pool_proj", { K: pp, C: ch, Y: n, X: n, R: 1, S: 1 }, inputs);
    inputs = [o1, o3, o5, op];
    ch = b1 + b3 + b5 + pp;
  }
  g.add(conv("fc", { K: 1000, C: ch, Y: 1, X: 1, R: 1, S: 1 }), inputs);
  return { name: "inception", layers: g.layers, edges: g.edges, sparsity: 0.5 };
}

const BUILTINS: Record<string, () => ModelSpec> = { resnet18, inception };

export const BUILTIN_MODELS: readonly string[] = Object.keys(BUILTINS);

export function builtinModel(name: string): ModelSpec | undefined {
  return BUILTINS[name]?.();
}

/** Output shape of every layer (handy for checks that consecutive layers agree). */
export function outputSides(m: ModelSpec): Array<{ K: number; Yo: number; Xo: number }> {
  return m.layers.map((l) => {
    const s = layerShape(l);
    return { K: l.K, Yo: s.Yo, Xo: s.Xo };
  });
}
