// The IMMSched particle solver and the auto portfolio in the real release Wasm (SIMD) and its
// scalar build, checked against the independent verifier, the exact solver and each other.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Core, SCALAR_WASM, type SolveOptions } from "../../host/core/core.js";
import { placementError } from "../../host/core/verify.js";
import { freeSpaceQuality } from "../../host/core/quality.js";
import type { Pattern, Target } from "../../host/formats/graphs.js";
import { makeInstance, FAMILIES, type Instance, branchMergePattern } from "../../host/bench/instances.js";
import { mulberry32, randInt } from "../../host/workloads/random.js";
import { smallInstance } from "../support/small-instances.js";
import { bruteForceExists } from "../support/brute-force.js";

let simd: Core;
let scalar: Core;
beforeAll(async () => {
  simd = await Core.load();
  scalar = await Core.load(SCALAR_WASM);
});

function solve(core: Core, pattern: Pattern, target: Target, opts: SolveOptions) {
  core.loadTarget(target);
  core.loadPattern(pattern);
  return core.solve(opts);
}

/** The instance mix: meshes 4x4..16x16, 0-60% occupied, patterns up to 24 stages. */
function mixedInstances(seed: number, count: number): Instance[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, k) => {
    const side = randInt(rand, 4, 16);
    return makeInstance(rand, FAMILIES[k % FAMILIES.length]!, side, side, randInt(rand, 0, 6) / 10, 24);
  });
}

describe("particle solver (pso) and portfolio (auto)", () => {
  it("never returns an invalid placement, and never claims a proof that brute force contradicts", () => {
    fc.assert(
      fc.property(smallInstance, fc.integer({ min: 0, max: 2 ** 32 - 1 }), ({ pattern, target }, seed) => {
        const exists = bruteForceExists(pattern, target);
        for (const solver of ["pso", "auto"] as const) {
          const r = solve(simd, pattern, target, { solver, seed, budget: 200_000 });
          if (r.found) expect(placementError(pattern, target, r.mapping!)).toBeNull();
          else expect(r.mapping).toBeNull();
          if (r.complete) expect(r.found).toBe(exists);
          if (solver === "auto") expect(r.found).toBe(exists); // small instances: auto always settles
        }
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it("pso finds a placement for at least 95% of the feasible instances; auto finds every one", () => {
    let feasible = 0;
    let psoFound = 0;
    for (const inst of mixedInstances(11, 320)) {
      const exact = solve(simd, inst.pattern, inst.target, { solver: "ullmann" });
      expect(exact.complete).toBe(true);
      const pso = solve(simd, inst.pattern, inst.target, { solver: "pso", budget: 1_000_000 });
      const auto = solve(simd, inst.pattern, inst.target, { solver: "auto" });
      for (const r of [pso, auto]) if (r.found) expect(placementError(inst.pattern, inst.target, r.mapping!)).toBeNull();
      // pso never proves absence except by refinement, which the exact search shares
      if (pso.complete && !pso.found) expect(exact.found).toBe(false);
      expect(auto.found, `auto on ${JSON.stringify(inst)}`).toBe(exact.found);
      expect(auto.complete).toBe(true);
      if (exact.found) {
        feasible++;
        if (pso.found) psoFound++;
      }
    }
    expect(feasible).toBeGreaterThan(150);
    expect(psoFound / feasible).toBeGreaterThanOrEqual(0.95);
  });

  it("the SIMD and scalar builds give the same placements and the same work for the same seed", () => {
    for (const [k, inst] of mixedInstances(5, 120).entries()) {
      for (const solver of ["pso", "auto"] as const) {
        const opts = { solver, seed: 1000 + k, budget: 300_000, polish: k % 3 };
        const a = solve(simd, inst.pattern, inst.target, opts);
        const b = solve(scalar, inst.pattern, inst.target, opts);
        expect(b.mapping, `${solver} instance ${k}`).toEqual(a.mapping);
        expect(b.work).toBe(a.work);
        expect(b.solver).toBe(a.solver);
      }
    }
  });

  it("the same seed gives the same answer; other seeds explore other placements", () => {
    const inst = makeInstance(mulberry32(9), "chain", 12, 12, 0.2, 16);
    const first = solve(simd, inst.pattern, inst.target, { solver: "pso", seed: 77 });
    const bytes = simd.memoryBytes;
    for (const other of mixedInstances(2, 60)) solve(simd, other.pattern, other.target, { solver: "auto", seed: 3 });
    const again = solve(simd, inst.pattern, inst.target, { solver: "pso", seed: 77 });
    expect(again).toMatchObject({ mapping: first.mapping, work: first.work, solver: "pso" });
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) seen.add(JSON.stringify(solve(simd, inst.pattern, inst.target, { solver: "pso", seed }).mapping));
    expect(seen.size).toBeGreaterThan(1);
    expect(simd.memoryBytes).toBe(bytes); // a solve never grows memory
  });

  it("quality mode never returns a worse placement than the first one it found", () => {
    let better = 0;
    for (const [k, inst] of mixedInstances(21, 80).entries()) {
      const first = solve(simd, inst.pattern, inst.target, { solver: "pso", seed: k, budget: 1_000_000 });
      if (!first.found) continue;
      const polished = solve(simd, inst.pattern, inst.target, { solver: "pso", seed: k, budget: 1_000_000, polish: 20 });
      expect(polished.found).toBe(true);
      expect(placementError(inst.pattern, inst.target, polished.mapping!)).toBeNull();
      const q0 = freeSpaceQuality(inst.target, first.mapping!);
      const q1 = freeSpaceQuality(inst.target, polished.mapping!);
      expect(q1, `instance ${k}`).toBeGreaterThanOrEqual(q0);
      if (q1 > q0) better++;
    }
    expect(better).toBeGreaterThan(0); // the polish iterations do find better placements
  });

  it("auto reports complete only with a proof, and reports which solver answered", () => {
    const triangle: Pattern = {
      nodes: 3,
      edges: [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
    };
    const mesh: Target = { mesh: { width: 8, height: 8 } };
    // particles alone never prove "none"; the proofs before search do, for pso too (an odd cycle on a mesh)
    expect(solve(simd, triangle, mesh, { solver: "pso", budget: 50_000 })).toMatchObject({ found: false, complete: true });
    // three 6-cycles in a row (16 stages) on an empty 5 x 5 board: no proof before search sees it, only a search
    const hexagons = branchMergePattern(3, 2);
    const small: Target = { mesh: { width: 5, height: 5 } };
    expect(solve(simd, hexagons, small, { solver: "pso", budget: 50_000 })).toMatchObject({ found: false, complete: false });
    expect(solve(simd, hexagons, small, { solver: "auto" })).toMatchObject({ found: false, complete: true, solver: "ullmann" });
    expect(solve(simd, triangle, mesh, { solver: "auto" })).toMatchObject({ found: false, complete: true, solver: "ullmann" });
    const chain: Pattern = {
      nodes: 6,
      edges: [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
        [4, 5],
      ],
    };
    expect(solve(simd, chain, mesh, { solver: "auto" })).toMatchObject({ found: true, complete: true, solver: "pso" });
  });

  it("rejects bad particle settings", () => {
    expect(() => simd.solve({ solver: "pso", particles: 17 })).toThrow(/particles must be an integer in 1..16/);
    expect(() => simd.solve({ solver: "pso", polish: -1 })).toThrow(/polish/);
  });
});
