// Instance families of the solver benchmark and property tests: DNN-shaped patterns (chains,
// ladders, branch-and-merge blocks) and random connected subgraphs of the free mesh (feasible by
// construction), on meshes with a share of tiles occupied.

import type { Pattern, Target } from "../formats/graphs.js";
import { type Random, randInt, shuffle } from "../workloads/random.js";

export type Family = "chain" | "ladder" | "branch-merge" | "random-subgraph";
export const FAMILIES: readonly Family[] = ["chain", "ladder", "branch-merge", "random-subgraph"];

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
 * Equal branch lengths keep the block an even cycle, which a mesh can host.
 */
export function branchMergePattern(blocks: number, branch: number): Pattern {
  const edges: Array<[number, number]> = [];
  let next = 1;
  let fork = 0;
  for (let b = 0; b < blocks; b++) {
    const tails: number[] = [];
    for (let side = 0; side < 2; side++) {
      let prev = fork;
      for (let k = 0; k < branch; k++) {
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

/** One instance of a family on a width x height mesh with a share of tiles occupied. */
export function makeInstance(rand: Random, family: Family, width: number, height: number, occupiedShare: number, maxStages = 24): Instance {
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
  }
}
