// The harder bench's instance families (host/bench/instances.ts) are what their names promise:
// DNN stage graphs within their size and connected, odd-cycle patterns never bipartite, too-long
// patterns longer than the largest free region yet within the free tiles.
import { describe, expect, it } from "vitest";
import { HARD_FAMILIES, dnnPattern, freeRegionSizes, makeInstance, oddCyclePattern } from "../../../host/bench/instances.js";
import { isBipartite } from "../../../host/workloads/partition.js";
import { mulberry32, randInt } from "../../../host/workloads/random.js";
import type { Pattern } from "../../../host/formats/graphs.js";

function connected(p: Pattern): boolean {
  const adj: number[][] = Array.from({ length: p.nodes }, () => []);
  for (const [a, b] of p.edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length) for (const v of adj[stack.pop()!]!) if (!seen.has(v)) seen.add(v) && stack.push(v);
  return seen.size === p.nodes;
}

describe("harder bench instances", () => {
  it("dnn: connected stage graphs within the node cap, some with fork and join (a stage of degree >= 3)", () => {
    const rand = mulberry32(3);
    let forks = 0;
    for (let k = 0; k < 200; k++) {
      const cap = randInt(rand, 2, 64);
      const p = dnnPattern(rand, cap);
      expect(p.nodes).toBeLessThanOrEqual(Math.max(cap, 2));
      expect(connected(p)).toBe(true);
      const degree = new Array<number>(p.nodes).fill(0);
      for (const [a, b] of p.edges) {
        degree[a]!++;
        degree[b]!++;
      }
      if (Math.max(...degree) >= 3) forks++;
    }
    expect(forks).toBeGreaterThan(20);
  });

  it("odd-cycle: never bipartite, always connected", () => {
    const rand = mulberry32(4);
    for (let k = 0; k < 200; k++) {
      const p = oddCyclePattern(rand, randInt(rand, 3, 40));
      expect(isBipartite(p.nodes, p.edges)).toBe(false);
      expect(connected(p)).toBe(true);
    }
  });

  it("too-long: connected, more stages than the largest free region, no more than the free tiles (when they allow it)", () => {
    const rand = mulberry32(5);
    let cut = 0;
    for (let k = 0; k < 200; k++) {
      const side = randInt(rand, 4, 16);
      const inst = makeInstance(rand, "too-long", side, side, randInt(rand, 0, 9) / 10);
      const sizes = freeRegionSizes(inst.target);
      const free = sizes.reduce((a, b) => a + b, 0);
      expect(connected(inst.pattern)).toBe(true);
      expect(inst.pattern.nodes).toBeGreaterThan(sizes[0] ?? 0);
      if (inst.pattern.nodes <= free) cut++;
    }
    expect(cut).toBeGreaterThan(150);
  });

  it("every harder family is deterministic per seed", () => {
    for (const family of HARD_FAMILIES) {
      const a = makeInstance(mulberry32(11), family, 8, 8, 0.4);
      const b = makeInstance(mulberry32(11), family, 8, 8, 0.4);
      expect(a).toEqual(b);
    }
  });
});
