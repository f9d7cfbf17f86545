// Stage partitioning: the exact linear partition against brute force, the stage graph, and the
// placeability repair on DAG models (a mesh is bipartite and has degree 4).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  MESH_RULES,
  isBipartite,
  isDropped,
  linearPartition,
  maxDegree,
  partitionStages,
  planVariants,
  stageCosts,
  stageGraph,
} from "../../../host/workloads/partition.js";
import { BUILTIN_MODELS, builtinModel, layerEdges } from "../../../host/workloads/dag.js";
import { compileModel } from "../../../host/workloads/profiles.js";
import { defaultConfig } from "../../../firmware-bridge/accelerator/constants.js";

/** Smallest possible largest-group sum over every split of `costs` into k contiguous non-empty groups. */
function bruteForce(costs: number[], k: number): number {
  const n = costs.length;
  let best = Infinity;
  const rec = (start: number, groups: number, worst: number) => {
    if (groups === 1) {
      best = Math.min(
        best,
        Math.max(
          worst,
          costs.slice(start).reduce((a, b) => a + b, 0),
        ),
      );
      return;
    }
    let sum = 0;
    for (let end = start + 1; end <= n - (groups - 1); end++) {
      sum += costs[end - 1]!;
      rec(end, groups - 1, Math.max(worst, sum));
    }
  };
  rec(0, k, 0);
  return best;
}

describe("linear partition (concatenate-and-split)", () => {
  it("finds the minimal largest stage, as brute force does (property)", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 10 })
          .chain((costs) => fc.tuple(fc.constant(costs), fc.integer({ min: 1, max: costs.length }))),
        ([costs, k]) => {
          const starts = linearPartition(costs, k);
          expect(starts).toHaveLength(k);
          expect(starts[0]).toBe(0);
          for (let j = 1; j < k; j++) expect(starts[j]!).toBeGreaterThan(starts[j - 1]!);
          expect(starts[k - 1]!).toBeLessThan(costs.length);
          expect(Math.max(...stageCosts(costs, starts))).toBe(bruteForce(costs, k));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a hand example: [5, 1, 1, 5, 2, 2] in 3 stages is best cut 5 1 | 1 5 | 2 2 (max 6)", () => {
    const starts = linearPartition([5, 1, 1, 5, 2, 2], 3);
    expect(Math.max(...stageCosts([5, 1, 1, 5, 2, 2], starts))).toBe(6); // 5 1 | 1 5 | 2 2
  });

  it("refuses more stages than layers", () => {
    expect(() => linearPartition([1, 2], 3)).toThrow(/cannot cut 2 layers into 3 stages/);
  });
});

describe("stage graphs", () => {
  it("a chain cut into k stages is the chain 0 -> 1 -> ... -> k-1", () => {
    const edges = Array.from({ length: 9 }, (_, i) => [i, i + 1] as [number, number]);
    expect(stageGraph(10, edges, [0, 3, 5, 8])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("bipartiteness and degree", () => {
    expect(
      isBipartite(3, [
        [0, 1],
        [1, 2],
        [0, 2],
      ]),
    ).toBe(false);
    expect(
      isBipartite(4, [
        [0, 1],
        [1, 3],
        [0, 2],
        [2, 3],
      ]),
    ).toBe(true);
    expect(
      maxDegree(5, [
        [0, 1],
        [0, 2],
        [0, 3],
        [0, 4],
        [1, 0],
      ]),
    ).toBe(4);
  });

  it("a residual block cut across three stages is a triangle: the cut is shifted to a placeable one", () => {
    // stem -> a -> b, stem -> b (skip into b's add), b -> head; equal costs
    const edges: Array<[number, number]> = [
      [0, 1],
      [1, 2],
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ];
    const costs = [1, 1, 1, 1, 1, 1];
    // the balanced cut [0 | 1 | 2 3 | 4 5] puts stem, a and b in three stages
    expect(isBipartite(4, stageGraph(6, edges, linearPartition(costs, 4)))).toBe(false);
    const r = partitionStages(costs, edges, 4, MESH_RULES);
    if (isDropped(r)) throw new Error(r.reason);
    expect(r.adjusted).toBe(true);
    expect(isBipartite(4, r.edges)).toBe(true);
    expect(r.maxCost).toBe(2); // still as balanced as a placeable cut can be
    expect(r.edges.every(([a, b]) => a < b)).toBe(true);
  });

  it("drops a stage count whose every cut is unplaceable, and says why", () => {
    const r = partitionStages(
      [1, 1, 1],
      [
        [0, 1],
        [1, 2],
        [0, 2],
      ],
      3,
      MESH_RULES,
    );
    expect(isDropped(r)).toBe(true);
    if (isDropped(r)) expect(r.reason).toMatch(/odd cycle/);
    // a board that is not bipartite (an odd torus) can hold it
    const ok = partitionStages(
      [1, 1, 1],
      [
        [0, 1],
        [1, 2],
        [0, 2],
      ],
      3,
      { requireBipartite: false, maxDegree: 4 },
    );
    expect(isDropped(ok)).toBe(false);
  });

  it("drops stage counts beyond the layers or the tiles", () => {
    const { plans, dropped } = planVariants([1, 2, 3, 4, 5], layerEdges({ name: "c", layers: [] }), [1, 2, 4, 8], 4, MESH_RULES);
    expect(plans.map((p) => p.stages)).toEqual([1, 2, 4]);
    expect(dropped.map((d) => d.stages)).toEqual([8]);
  });
});

describe("built-in DAG models", () => {
  const cfg = defaultConfig();
  for (const name of BUILTIN_MODELS) {
    it(`${name}: every offered variant is a placeable DAG (forward edges, no self-loops, bipartite, degree <= 4)`, () => {
      const m = builtinModel(name)!;
      expect(m.edges!.length).toBeGreaterThan(m.layers.length - 1); // it has branches
      const cm = compileModel(m, cfg);
      expect(cm.variants.length).toBeGreaterThanOrEqual(3);
      for (const v of cm.variants) {
        const k = v.plan.stages;
        for (const [a, b] of v.plan.edges) {
          expect(a).toBeLessThan(b);
          expect(b).toBeLessThan(k);
        }
        expect(isBipartite(k, v.plan.edges)).toBe(true);
        expect(maxDegree(k, v.plan.edges)).toBeLessThanOrEqual(4);
        // every layer edge is inside a stage or on a stage edge
        const stage = v.layerStage;
        const set = new Set(v.plan.edges.map(([a, b]) => `${a},${b}`));
        for (const [a, b] of m.edges!) if (stage[a] !== stage[b]) expect(set.has(`${stage[a]},${stage[b]}`)).toBe(true);
      }
    });
  }

  it("resnet18 needs a repaired cut at 16 stages (its residual skips make triangles)", () => {
    const cm = compileModel(builtinModel("resnet18")!, cfg, { laneCounts: [1] });
    const v16 = cm.variants.find((v) => v.plan.stages === 16)!;
    expect(v16.plan.adjusted).toBe(true);
    const m = builtinModel("resnet18")!;
    const costs = cm.tile.map((t) => t.computeNs);
    expect(isBipartite(16, stageGraph(m.layers.length, m.edges!, linearPartition(costs, 16)))).toBe(false);
  });
});
