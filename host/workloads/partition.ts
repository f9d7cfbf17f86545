// Cutting a model into k pipeline stages (a stage = consecutive layers on one tile): the
// "concatenate-and-split" of layer-pipelined accelerators. The layers, in their topological order,
// are split into k contiguous groups minimising the costliest group — the linear partition problem,
// solved exactly by dynamic programming over prefix sums (Skiena, The Algorithm Design Manual §8.5).
//
// The stage graph (the pattern the controller places on the mesh) has an edge s -> t whenever a
// layer edge goes from a layer of stage s to a layer of stage t; on a chain that is i -> i+1. It
// is a DAG without self-loops by construction (stages are contiguous in a topological order). A
// mesh is bipartite, so a pattern with an odd cycle in its undirected graph can never be placed
// (a monomorphism maps cycles to closed walks of the same length), nor can a stage with more
// neighbours than a tile has links. On DAG models a cut can do that: a residual block whose input,
// body and add land in three consecutive stages makes a triangle. Such a cut is repaired by a
// best-first search over shifted cut points for the balanced cut that is placeable; when none is
// found within the search budget, that stage count is dropped (and reported).

import { MAX_STAGES } from "../formats/graphs.js";

/** Stage counts a model is offered in (filtered by its layer count and the board's tiles). */
export const DEFAULT_STAGE_COUNTS: readonly number[] = [1, 2, 4, 8, 16];

/** What a stage graph must satisfy to be placeable on the board. */
export interface PlacementRules {
  /** The board's graph is bipartite (a mesh; a torus with even sides): patterns must be too. */
  requireBipartite: boolean;
  /** Most links a tile has (4 on a mesh). */
  maxDegree: number;
}

export const MESH_RULES: PlacementRules = { requireBipartite: true, maxDegree: 4 };

export interface StagePlan {
  stages: number;
  /** Index of the first layer of each stage (starts[0] = 0, increasing). */
  starts: number[];
  /** Stage graph edges, deduplicated, sorted. */
  edges: Array<[number, number]>;
  /** Cost of the costliest stage. */
  maxCost: number;
  /** True when the balanced cut was not placeable and a shifted one was taken. */
  adjusted: boolean;
}

export interface DroppedStageCount {
  stages: number;
  reason: string;
}

function prefixSums(costs: readonly number[]): Float64Array {
  const p = new Float64Array(costs.length + 1);
  for (let i = 0; i < costs.length; i++) {
    const c = costs[i]!;
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`layer ${i} has cost ${c}: costs must be finite and >= 0`);
    p[i + 1] = p[i]! + c;
  }
  return p;
}

/**
 * Exact linear partition: `costs` split into k contiguous non-empty groups minimising the largest
 * group sum. dp[j][i] = min over p of max(dp[j-1][p], P[i] - P[p]); O(k n^2). Returns the start
 * index of every group.
 */
export function linearPartition(costs: readonly number[], k: number): number[] {
  const n = costs.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`cannot cut ${n} layers into ${k} stages`);
  const P = prefixSums(costs);
  let prev = new Float64Array(n + 1).fill(Infinity);
  for (let i = 1; i <= n; i++) prev[i] = P[i]!;
  const cut: Int32Array[] = [new Int32Array(n + 1)];
  for (let j = 2; j <= k; j++) {
    const cur = new Float64Array(n + 1).fill(Infinity);
    const arg = new Int32Array(n + 1);
    for (let i = j; i <= n - (k - j); i++) {
      let best = Infinity;
      let bestP = j - 1;
      for (let p = j - 1; p < i; p++) {
        const v = Math.max(prev[p]!, P[i]! - P[p]!);
        if (v < best) {
          best = v;
          bestP = p;
        }
      }
      cur[i] = best;
      arg[i] = bestP;
    }
    cut.push(arg);
    prev = cur;
  }
  const starts = new Array<number>(k);
  let end = n;
  for (let j = k; j >= 2; j--) {
    const s = cut[j - 1]![end]!;
    starts[j - 1] = s;
    end = s;
  }
  starts[0] = 0;
  return starts;
}

/** Sum of the costs of each stage. */
export function stageCosts(costs: readonly number[], starts: readonly number[]): number[] {
  return starts.map((s, j) => {
    const e = starts[j + 1] ?? costs.length;
    let sum = 0;
    for (let i = s; i < e; i++) sum += costs[i]!;
    return sum;
  });
}

/** The stage of every layer. */
export function stageOfLayers(starts: readonly number[], layers: number): Int32Array {
  const out = new Int32Array(layers);
  let s = 0;
  for (let i = 0; i < layers; i++) {
    while (s + 1 < starts.length && i >= starts[s + 1]!) s++;
    out[i] = s;
  }
  return out;
}

/** Stage edges from layer edges: one per pair of stages some layer edge crosses. */
export function stageGraph(
  layers: number,
  layerEdges: ReadonlyArray<readonly [number, number]>,
  starts: readonly number[],
): Array<[number, number]> {
  const of = stageOfLayers(starts, layers);
  const seen = new Set<number>();
  const out: Array<[number, number]> = [];
  const k = starts.length;
  for (const [a, b] of layerEdges) {
    const sa = of[a]!;
    const sb = of[b]!;
    if (sa === sb) continue;
    if (sa > sb) throw new Error(`layer edge ${a}->${b} goes from stage ${sa} back to stage ${sb}: layers are not in a topological order`);
    const key = sa * k + sb;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([sa, sb]);
  }
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** Two-colouring of the undirected graph by BFS: false when it has an odd cycle. */
export function isBipartite(nodes: number, edges: ReadonlyArray<readonly [number, number]>): boolean {
  const adj: number[][] = Array.from({ length: nodes }, () => []);
  for (const [a, b] of edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  const colour = new Int8Array(nodes).fill(-1);
  for (let s = 0; s < nodes; s++) {
    if (colour[s] !== -1) continue;
    colour[s] = 0;
    const queue = [s];
    while (queue.length) {
      const u = queue.shift()!;
      for (const v of adj[u]!) {
        if (colour[v] === -1) {
          colour[v] = 1 - colour[u]!;
          queue.push(v);
        } else if (colour[v] === colour[u]) return false;
      }
    }
  }
  return true;
}

/** Largest number of distinct neighbours of a node in the undirected graph. */
export function maxDegree(nodes: number, edges: ReadonlyArray<readonly [number, number]>): number {
  const nb: Array<Set<number>> = Array.from({ length: nodes }, () => new Set());
  for (const [a, b] of edges) {
    nb[a]!.add(b);
    nb[b]!.add(a);
  }
  return nb.reduce((m, s) => Math.max(m, s.size), 0);
}

/** Why a stage graph cannot be placed under `rules`, or null when it can. */
export function placeabilityProblem(stages: number, edges: ReadonlyArray<readonly [number, number]>, rules: PlacementRules): string | null {
  for (const [a, b] of edges) if (a === b) return `self-loop on stage ${a}`;
  const deg = maxDegree(stages, edges);
  if (deg > rules.maxDegree) return `a stage has ${deg} neighbours, a tile has at most ${rules.maxDegree} links`;
  if (rules.requireBipartite && !isBipartite(stages, edges)) return "the stage graph has an odd cycle, which a mesh cannot hold";
  return null;
}

/** A small binary min-heap keyed by number. */
class MinHeap<T> {
  private readonly items: Array<{ key: number; value: T }> = [];
  get size(): number {
    return this.items.length;
  }
  push(key: number, value: T): void {
    const a = this.items;
    a.push({ key, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.key <= a[i]!.key) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): { key: number; value: T } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.key < a[m]!.key) m = l;
        if (r < a.length && a[r]!.key < a[m]!.key) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** States the repair search may visit before it gives up on a stage count. */
export const REPAIR_BUDGET = 4_000;

/**
 * The balanced cut of `costs` into k stages whose stage graph is placeable; a shifted cut when the
 * balanced one is not (best-first on the costliest stage, moving one cut point by one layer at a
 * time), or the reason it was dropped.
 */
export function partitionStages(
  costs: readonly number[],
  layerEdges: ReadonlyArray<readonly [number, number]>,
  k: number,
  rules: PlacementRules,
): StagePlan | DroppedStageCount {
  const n = costs.length;
  if (k > n) return { stages: k, reason: `${k} stages need at least ${k} layers, the model has ${n}` };
  if (k > MAX_STAGES) return { stages: k, reason: `${k} stages exceed the core's capacity of ${MAX_STAGES}` };
  const P = prefixSums(costs);
  const maxOf = (starts: readonly number[]) => {
    let m = 0;
    for (let j = 0; j < starts.length; j++) m = Math.max(m, P[starts[j + 1] ?? n]! - P[starts[j]!]!);
    return m;
  };
  const best = linearPartition(costs, k);
  const first = stageGraph(n, layerEdges, best);
  const problem = placeabilityProblem(k, first, rules);
  if (problem === null) return { stages: k, starts: best, edges: first, maxCost: maxOf(best), adjusted: false };

  const heap = new MinHeap<number[]>();
  const seen = new Set<string>([best.join(",")]);
  heap.push(maxOf(best), best);
  let visited = 0;
  while (heap.size > 0 && visited < REPAIR_BUDGET) {
    const { value: starts } = heap.pop()!;
    visited++;
    const edges = visited === 1 ? first : stageGraph(n, layerEdges, starts);
    if (visited > 1 && placeabilityProblem(k, edges, rules) === null) {
      return { stages: k, starts, edges, maxCost: maxOf(starts), adjusted: true };
    }
    for (let c = 1; c < k; c++) {
      for (const d of [-1, 1]) {
        const s = starts[c]! + d;
        if (s <= starts[c - 1]! || s >= (starts[c + 1] ?? n)) continue;
        const next = starts.slice();
        next[c] = s;
        const key = next.join(",");
        if (seen.has(key)) continue;
        seen.add(key);
        heap.push(maxOf(next), next);
      }
    }
  }
  return { stages: k, reason: `${problem}; no placeable cut found near the balanced one` };
}

export function isDropped(r: StagePlan | DroppedStageCount): r is DroppedStageCount {
  return "reason" in r;
}

/** Stage plans for every stage count in `ks` that fits the model and the board. */
export function planVariants(
  costs: readonly number[],
  layerEdges: ReadonlyArray<readonly [number, number]>,
  ks: readonly number[],
  tiles: number,
  rules: PlacementRules,
): { plans: StagePlan[]; dropped: DroppedStageCount[] } {
  const plans: StagePlan[] = [];
  const dropped: DroppedStageCount[] = [];
  for (const k of [...new Set(ks)].sort((a, b) => a - b)) {
    if (k > tiles) {
      dropped.push({ stages: k, reason: `${k} stages exceed the board's ${tiles} tiles` });
      continue;
    }
    const r = partitionStages(costs, layerEdges, k, rules);
    if (isDropped(r)) dropped.push(r);
    else plans.push(r);
  }
  return { plans, dropped };
}
