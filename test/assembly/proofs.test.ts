// The proofs and filters before and during a search (assembly/proofs/) in the real release Wasm:
// sound under every subset of them (brute force agrees, a placement is never lost), and each one
// settling the instances it is for with less work than without it.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Core, PROOFS, PROOFS_ALL, type SolveOptions } from "../../host/core/core.js";
import { placementError } from "../../host/core/verify.js";
import type { Pattern, Target } from "../../host/formats/graphs.js";
import { FAMILIES, HARD_FAMILIES, branchMergePattern, chainPattern, ladderPattern, makeInstance } from "../../host/bench/instances.js";
import { mulberry32, randInt } from "../../host/workloads/random.js";
import { smallInstance } from "../support/small-instances.js";
import { bruteForceExists } from "../support/brute-force.js";

let core: Core;
beforeAll(async () => {
  core = await Core.load();
});

function solve(pattern: Pattern, target: Target, opts: SolveOptions) {
  core.loadTarget(target);
  core.loadPattern(pattern);
  return core.solve(opts);
}
const without = (...names: Array<keyof typeof PROOFS>) => names.reduce((m, n) => m & ~PROOFS[n], PROOFS_ALL);
const MASKS = Array.from({ length: PROOFS_ALL + 1 }, (_, m) => m);

describe("proofs before search (release Wasm)", () => {
  it("every subset of the proofs agrees with brute force on small instances, meshes and link lists", () => {
    fc.assert(
      fc.property(smallInstance, fc.constantFrom(...MASKS), ({ pattern, target }, proofs) => {
        const r = solve(pattern, target, { solver: "ullmann", proofs });
        expect(r.complete).toBe(true);
        expect(r.found).toBe(bruteForceExists(pattern, target));
        if (r.found) expect(placementError(pattern, target, r.mapping!)).toBeNull();
      }),
      { seed: 20261204, numRuns: 600 },
    );
  });

  it("never turns a placement into a proof of none: every bench family, every proof on or off", () => {
    const rand = mulberry32(17);
    const families = [...FAMILIES, ...HARD_FAMILIES];
    for (let k = 0; k < 160; k++) {
      const side = randInt(rand, 4, 12);
      const inst = makeInstance(rand, families[k % families.length]!, side, side, randInt(rand, 0, 9) / 10, 16);
      const answers = [0, PROOFS_ALL].map((proofs) => solve(inst.pattern, inst.target, { solver: "ullmann", proofs }));
      const [off, on] = answers;
      if (off!.complete && on!.complete) expect(on!.found, JSON.stringify(inst)).toBe(off!.found);
      if (off!.found) expect(on!.found, JSON.stringify(inst)).toBe(true);
      if (on!.found) expect(placementError(inst.pattern, inst.target, on!.mapping!)).toBeNull();
    }
  });

  it("bipartite: an odd cycle on a mesh is refuted before search, with less work than the search needs", () => {
    const ring: Pattern = { nodes: 9, edges: Array.from({ length: 9 }, (_, i) => [i, (i + 1) % 9] as [number, number]) };
    const mesh: Target = { mesh: { width: 12, height: 12 } };
    const on = solve(ring, mesh, { solver: "ullmann" });
    const off = solve(ring, mesh, { solver: "ullmann", proofs: without("bipartite") });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(off).toMatchObject({ found: false, complete: true });
    expect(on.work * 10).toBeLessThan(off.work);
    // a torus with an odd side is not bipartite: the same ring fits around its 9-tile column
    const torus: Target = { mesh: { width: 4, height: 9, torus: true } };
    expect(solve(ring, torus, { solver: "ullmann" }).found).toBe(true);
  });

  it("bipartite colour classes: a 5-chain (3 + 2 stages) does not fit a plus of free tiles (1 + 4 tiles)", () => {
    // a 3x3 mesh with its corners busy: the free plus has the centre on one colour, the arms on the other
    const plus: Target = { mesh: { width: 3, height: 3 }, occupied: [0, 2, 6, 8] };
    const on = solve(chainPattern(5), plus, { solver: "ullmann" });
    const off = solve(chainPattern(5), plus, { solver: "ullmann", proofs: without("bipartite") });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(off).toMatchObject({ found: false, complete: true });
    expect(on.work).toBeLessThan(off.work);
    // the 3-chain (2 + 1 stages) fits: arm, centre, arm
    expect(solve(chainPattern(3), plus, { solver: "ullmann" }).found).toBe(true);
  });

  it("regions: a chain longer than every free region of a walled mesh is refuted before search", () => {
    // a 10x10 mesh cut by a full wall at x = 5: two 5x10 regions of 50 tiles, 90 free
    const occupied = Array.from({ length: 10 }, (_, y) => y * 10 + 5);
    const walled: Target = { mesh: { width: 10, height: 10 }, occupied };
    const chain = chainPattern(52);
    const on = solve(chain, walled, { solver: "ullmann" });
    const off = solve(chain, walled, { solver: "ullmann", proofs: without("regions"), budget: 200_000 });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(on.work * 10).toBeLessThan(off.work);
    // one tile shorter than a region fits
    expect(solve(chainPattern(50), walled, { solver: "ullmann" }).found).toBe(true);
  });

  it("a fork into three one-stage branches never fits a mesh, with or without the filters", () => {
    // 0 -> {1, 2, 3} -> 4: stages 0 and 4 share three neighbours; two mesh tiles share at most two
    const fork: Pattern = {
      nodes: 5,
      edges: [
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 4],
        [2, 4],
        [3, 4],
      ],
    };
    const mesh: Target = { mesh: { width: 8, height: 8 } };
    const on = solve(fork, mesh, { solver: "ullmann" });
    const off = solve(fork, mesh, { solver: "ullmann", proofs: without("alldiff", "paths2") });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(off).toMatchObject({ found: false, complete: true });
  });

  it("2-paths and all-different cut the exact search's work on ladders and branch-and-merge blocks", () => {
    const rand = mulberry32(23);
    let on = 0;
    let off = 0;
    for (let k = 0; k < 40; k++) {
      const side = randInt(rand, 6, 12);
      const target = makeInstance(rand, "chain", side, side, randInt(rand, 0, 3) / 10).target;
      const pattern = k % 2 ? ladderPattern(randInt(rand, 3, 8)) : branchMergePattern(randInt(rand, 1, 3), randInt(rand, 1, 2));
      const a = solve(pattern, target, { solver: "ullmann" });
      const b = solve(pattern, target, { solver: "ullmann", proofs: without("alldiff", "paths2") });
      expect(a.found).toBe(b.found);
      on += a.work;
      off += b.work;
    }
    expect(on).toBeLessThan(off);
  });

  it("pso answers 'none, proven' on every instance a proof before search covers: odd cycles, too-long patterns", () => {
    const rand = mulberry32(29);
    for (let k = 0; k < 60; k++) {
      const side = randInt(rand, 4, 16);
      const inst = makeInstance(rand, k % 2 ? "odd-cycle" : "too-long", side, side, randInt(rand, 0, 9) / 10);
      const r = solve(inst.pattern, inst.target, { solver: "pso", budget: 100_000 });
      expect(r, JSON.stringify(inst)).toMatchObject({ found: false, complete: true });
      // settled before any particle moved: far below one particle slice of auto per stage
      expect(r.work).toBeLessThan(2_000);
    }
  });

  it("a solve costs the same work whether or not the target was solved on before (the colouring cache is not charged)", () => {
    const inst = makeInstance(mulberry32(31), "ladder", 10, 10, 0.2);
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    const first = core.solve({ solver: "auto" });
    const again = core.solve({ solver: "auto" });
    expect(again.work).toBe(first.work);
    expect(again.mapping).toEqual(first.mapping);
  });

  it("rejects proof switches outside the known bits", () => {
    expect(() => solve(chainPattern(2), { mesh: { width: 2, height: 2 } }, { proofs: PROOFS_ALL + 1 })).toThrow(/proofs must be a mask/);
    expect(() => solve(chainPattern(2), { mesh: { width: 2, height: 2 } }, { proofs: -1 })).toThrow(/proofs must be a mask/);
  });
});
