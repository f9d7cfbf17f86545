// Instance families of the solver benchmark and property tests: DNN-shaped patterns (chains,
// ladders, branch-and-merge blocks) and random connected subgraphs of the free mesh (feasible by
// construction), on meshes with a share of tiles occupied; and the infeasible-heavy families of
// the harder bench (issue 11): stage graphs of real DNNs cut as the layer-split work cuts them
// (fork and join, lanes), patterns with an odd cycle, and patterns longer than the largest free
// region of a walled mesh.

import type { Pattern, Target } from "../formats/graphs.js";
import { type Random, randInt, shuffle } from "../workloads/random.js";
import { inception, layerEdges, resnet18 } from "../workloads/dag.js";
import { stageGraph } from "../workloads/partition.js";
import { laneGraph } from "../workloads/profiles.js";

export type Family = "chain" | "ladder" | "branch-merge" | "random-subgraph" | "dnn" | "odd-cycle" | "too-long";
/** The families of the original bench (768 instances at 12 per cell). */
export const FAMILIES: readonly Family[] = ["chain", "ladder", "branch-merge", "random-subgraph"];
/** The families the harder bench adds. */
export const HARD_FAMILIES: readonly Family[] = ["dnn", "odd-cycle", "too-long"];

export interface Instance {
  family: Family;
  pattern: Pattern;
  target: Target;
  /** True when the instance was built around a known placement. */
  planted: boolean;
}

export function meshTarget(rand: Random, width: number, height: number, occupiedShare: number): Target {
  const tiles = width * height;
  const count = Math.round(tiles * occupiedShare);
  const occupied = shuffle(rand, [...Array(tiles).keys()])
    .slice(0, count)
    .sort((a, b) => a - b);
  return { mesh: { width, height }, occupied };
}

export function chainPattern(n: number): Pattern {
  return { nodes: n, edges: Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as [number, number]) };
}

/** Two rails of `rungs` stages, joined stage by stage (a 2 x rungs grid). */
export function ladderPattern(rungs: number): Pattern {
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < rungs; i++) {
    if (i + 1 < rungs) {
      edges.push([i, i + 1]);
      edges.push([rungs + i, rungs + i + 1]);
    }
    edges.push([i, rungs + i]);
  }
  return { nodes: 2 * rungs, edges };
}

/**
 * `blocks` residual-style blocks in sequence: fork -> two branches of `branch` stages -> merge.
 * Equal branch lengths keep the block an even cycle, which a mesh can host; block `longer` (if
 * any) has one stage more on its second branch, an odd cycle, which no mesh can host.
 */
export function branchMergePattern(blocks: number, branch: number, longer = -1): Pattern {
  const edges: Array<[number, number]> = [];
  let next = 1;
  let fork = 0;
  for (let b = 0; b < blocks; b++) {
    const tails: number[] = [];
    for (let side = 0; side < 2; side++) {
      let prev = fork;
      const len = branch + (b === longer && side === 1 ? 1 : 0);
      for (let k = 0; k < len; k++) {
        edges.push([prev, next]);
        prev = next++;
      }
      tails.push(prev);
    }
    const merge = next++;
    for (const t of tails) edges.push([t, merge]);
    fork = merge;
  }
  return { nodes: next, edges };
}

function meshNeighbours(target: Target, t: number): number[] {
  if (!("mesh" in target)) throw new Error("mesh targets only");
  const { width: w, height: h } = target.mesh;
  const x = t % w;
  const y = Math.floor(t / w);
  const out: number[] = [];
  if (x > 0) out.push(t - 1);
  if (x + 1 < w) out.push(t + 1);
  if (y > 0) out.push(t - w);
  if (y + 1 < h) out.push(t + w);
  return out;
}

/**
 * A random connected set of `n` free tiles grown from a random free tile; its spanning-tree links
 * plus each other link inside the set with probability `extra` become the pattern's edges, in a
 * random direction, with stages numbered in random order. Null when the free region is too small.
 */
export function randomSubgraphPattern(rand: Random, target: Target, n: number, extra = 0.3): Pattern | null {
  const occupied = new Set(target.occupied ?? []);
  const tiles = "mesh" in target ? target.mesh.width * target.mesh.height : target.nodes;
  const free = [...Array(tiles).keys()].filter((t) => !occupied.has(t));
  for (let attempt = 0; attempt < 20; attempt++) {
    const start = free[Math.floor(rand() * free.length)];
    if (start === undefined) return null;
    const chosen = [start];
    const inSet = new Set(chosen);
    const tree: Array<[number, number]> = [];
    while (chosen.length < n) {
      const frontier: Array<[number, number]> = [];
      for (const t of chosen) {
        for (const u of meshNeighbours(target, t)) if (!occupied.has(u) && !inSet.has(u)) frontier.push([t, u]);
      }
      if (frontier.length === 0) break;
      const [from, to] = frontier[Math.floor(rand() * frontier.length)]!;
      chosen.push(to);
      inSet.add(to);
      tree.push([from, to]);
    }
    if (chosen.length < n) continue;
    const label = new Map<number, number>();
    for (const [i, t] of shuffle(rand, [...chosen]).entries()) label.set(t, i);
    const edges: Array<[number, number]> = [];
    const seen = new Set<string>();
    const add = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      if (seen.has(key)) return;
      seen.add(key);
      const [u, v] = rand() < 0.5 ? [a, b] : [b, a];
      edges.push([label.get(u)!, label.get(v)!]);
    };
    for (const [a, b] of tree) add(a, b);
    for (const t of chosen) {
      for (const u of meshNeighbours(target, t)) if (inSet.has(u) && rand() < extra) add(t, u);
    }
    return { nodes: n, edges };
  }
  return null;
}

/** Layer DAGs of real models (host/workloads/dag.ts) with fork and join: ResNet-18's skips, Inception's branches. */
const DNN_MODELS = [resnet18(), inception()].map((m) => ({ layers: m.layers.length, edges: layerEdges(m) }));

/**
 * A DNN's stage graph as the partitioner builds it: the layers (in topological order) cut at
 * random points into k contiguous stages (stageGraph), then every stage split over m lanes
 * (laneGraph: the stage graph in every lane plus links between neighbouring lanes). Random cuts,
 * not balanced ones, so the bench also meets the cuts the partitioner repairs: a residual block
 * cut into three stages makes a triangle (an odd cycle), a join of four branches a degree-5 stage.
 */
export function dnnPattern(rand: Random, maxNodes: number): Pattern {
  const model = DNN_MODELS[randInt(rand, 0, DNN_MODELS.length - 1)]!;
  const lanes = [1, 1, 2, 4][randInt(rand, 0, 3)]!;
  const m = 2 * lanes <= maxNodes ? lanes : 1;
  const k = Math.max(1, Math.min(model.layers, randInt(rand, 2, Math.max(2, Math.floor(maxNodes / m)))));
  const cuts = shuffle(
    rand,
    [...Array(model.layers - 1).keys()].map((i) => i + 1),
  )
    .slice(0, k - 1)
    .sort((a, b) => a - b);
  const starts = [0, ...cuts];
  const stageEdges = stageGraph(model.layers, model.edges, starts);
  return { nodes: k * m, edges: laneGraph(stageEdges, k, m) };
}

/**
 * A pattern with an odd cycle: branch-and-merge blocks whose two branches differ in length by
 * one in one block (a fork-join of unequal depth closes a cycle of odd length), or a plain odd ring.
 */
export function oddCyclePattern(rand: Random, maxNodes: number): Pattern {
  if (maxNodes < 3 || rand() < 0.25) {
    const n = Math.max(3, randInt(rand, 1, Math.max(1, Math.floor((maxNodes - 1) / 2))) * 2 + 1);
    return { nodes: n, edges: Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number]) };
  }
  const branch = randInt(rand, 1, 3);
  const per = 2 * branch + 2; // the odd block: branches of branch and branch + 1 stages, plus the merge
  const blocks = randInt(rand, 1, Math.max(1, Math.floor((maxNodes - 1) / per)));
  return branchMergePattern(blocks, branch, randInt(rand, 0, blocks - 1));
}

/** Sizes of the connected regions of free tiles of a mesh target, largest first. */
export function freeRegionSizes(target: Target): number[] {
  if (!("mesh" in target)) throw new Error("mesh targets only");
  const tiles = target.mesh.width * target.mesh.height;
  const occupied = new Set(target.occupied ?? []);
  const seen = new Set<number>();
  const sizes: number[] = [];
  for (let t = 0; t < tiles; t++) {
    if (occupied.has(t) || seen.has(t)) continue;
    let size = 0;
    const stack = [t];
    seen.add(t);
    while (stack.length) {
      const u = stack.pop()!;
      size++;
      for (const v of meshNeighbours(target, u)) {
        if (!occupied.has(v) && !seen.has(v)) {
          seen.add(v);
          stack.push(v);
        }
      }
    }
    sizes.push(size);
  }
  return sizes.sort((a, b) => b - a);
}

/**
 * A mesh cut by walls (full columns and rows of busy tiles every `gap` cells, gap 3..7, at a
 * random offset) on top of the random share, and a chain or DNN stage graph with a few more stages
 * than the largest free region holds but no more than the free tiles: infeasible, yet not by
 * counting tiles alone. Null when the regions leave no such length (<= 64 stages).
 */
function tooLongInstance(rand: Random, width: number, height: number, occupiedShare: number): Instance | null {
  const base = meshTarget(rand, width, height, occupiedShare);
  const gap = randInt(rand, 3, 7);
  const ox = randInt(rand, 1, gap);
  const oy = randInt(rand, 1, gap);
  const occupied = new Set(base.occupied ?? []);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x >= ox && (x - ox) % gap === 0 && x < width - 1) || (y >= oy && (y - oy) % gap === 0 && y < height - 1)) {
        occupied.add(y * width + x);
      }
    }
  }
  const target: Target = { mesh: { width, height }, occupied: [...occupied].sort((a, b) => a - b) };
  const sizes = freeRegionSizes(target);
  const free = sizes.reduce((a, b) => a + b, 0);
  const largest = sizes[0] ?? 0;
  const n = Math.min(64, free, largest + randInt(rand, 1, 4));
  if (n <= largest || n < 2) return null;
  if (rand() < 0.5) return { family: "too-long", target, pattern: chainPattern(n), planted: false };
  // a DNN stage graph of at most n stages, chained on to n
  const dnn = dnnPattern(rand, n);
  const edges = [...dnn.edges];
  for (let i = dnn.nodes; i < n; i++) edges.push([i - 1, i]);
  return { family: "too-long", target, pattern: { nodes: n, edges: connectChain(n, edges) }, planted: false };
}

/** Adds i-1 -> i for every node not yet reachable from node 0, so the pattern is connected. */
function connectChain(n: number, edges: Array<[number, number]>): Array<[number, number]> {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  const seen = new Uint8Array(n);
  const visit = (s: number) => {
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const u = stack.pop()!;
      for (const v of adj[u]!) {
        if (!seen[v]) {
          seen[v] = 1;
          stack.push(v);
        }
      }
    }
  };
  visit(0);
  const out = [...edges];
  for (let i = 1; i < n; i++) {
    if (seen[i]) continue;
    out.push([i - 1, i]);
    adj[i - 1]!.push(i);
    adj[i]!.push(i - 1);
    visit(i);
  }
  return out;
}

/** One instance of a family on a width x height mesh with a share of tiles occupied. */
export function makeInstance(rand: Random, family: Family, width: number, height: number, occupiedShare: number, maxStages = 24): Instance {
  if (family === "too-long") {
    for (let attempt = 0; attempt < 8; attempt++) {
      const inst = tooLongInstance(rand, width, height, occupiedShare);
      if (inst) return inst;
    }
    // too few free tiles to cut: a chain one stage longer than the free tiles
    const target = meshTarget(rand, width, height, Math.max(occupiedShare, 1 - 63 / (width * height)));
    const free = width * height - (target.occupied?.length ?? 0);
    return { family, target, pattern: chainPattern(Math.max(2, free + 1)), planted: false };
  }
  const target = meshTarget(rand, width, height, occupiedShare);
  const freeTiles = width * height - (target.occupied?.length ?? 0);
  const cap = Math.max(2, Math.min(maxStages, Math.floor(freeTiles * 0.6)));
  switch (family) {
    case "chain":
      return { family, target, pattern: chainPattern(randInt(rand, 2, cap)), planted: false };
    case "ladder":
      return { family, target, pattern: ladderPattern(randInt(rand, 2, Math.max(2, cap >> 1))), planted: false };
    case "branch-merge": {
      const branch = randInt(rand, 1, 3);
      const per = 2 * branch + 1;
      const blocks = randInt(rand, 1, Math.max(1, Math.floor((cap - 1) / per)));
      return { family, target, pattern: branchMergePattern(blocks, branch), planted: false };
    }
    case "random-subgraph": {
      for (let n = randInt(rand, 2, cap); n >= 2; n--) {
        const pattern = randomSubgraphPattern(rand, target, n);
        if (pattern) return { family, target, pattern, planted: true };
      }
      return { family, target, pattern: { nodes: 1, edges: [] }, planted: true };
    }
    case "dnn":
      return { family, target, pattern: dnnPattern(rand, Math.max(2, Math.min(64, Math.floor(freeTiles * 0.8)))), planted: false };
    case "odd-cycle":
      return { family, target, pattern: oddCyclePattern(rand, Math.max(3, cap)), planted: false };
  }
}
