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
    const off = solve(fork, mesh, { solver: "ullmann", proofs: without("alldiff", "rigid") });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(off).toMatchObject({ found: false, complete: true });
  });

  it("rigid blocks and all-different cut the exact search's work on ladders and branch-and-merge blocks", () => {
    const rand = mulberry32(23);
    let on = 0;
    let off = 0;
    for (let k = 0; k < 40; k++) {
      const side = randInt(rand, 6, 12);
      const target = makeInstance(rand, "chain", side, side, randInt(rand, 0, 3) / 10).target;
      const pattern = k % 2 ? ladderPattern(randInt(rand, 3, 8)) : branchMergePattern(randInt(rand, 1, 3), randInt(rand, 1, 2));
      const a = solve(pattern, target, { solver: "ullmann" });
      const b = solve(pattern, target, { solver: "ullmann", proofs: without("alldiff", "rigid") });
      expect(a.found).toBe(b.found);
      on += a.work;
      off += b.work;
    }
    expect(on).toBeLessThan(off);
  });

  it("rigid blocks agree with brute force on grid-like patterns (squares joined by edges and corners, chords, tails)", () => {
    // a pattern: part of a small grid (so it has squares), a chord or two, numbered in a random
    // breadth-first order (every stage after the first has an earlier neighbour: brute force stays fast)
    const gridPattern = fc
      .record({
        gw: fc.integer({ min: 2, max: 4 }),
        gh: fc.integer({ min: 2, max: 3 }),
        keep: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
        chords: fc.array(fc.tuple(fc.nat(11), fc.nat(11)), { maxLength: 2 }),
        root: fc.nat(11),
        order: fc.array(fc.nat(1000), { minLength: 12, maxLength: 12 }),
      })
      .map(({ gw, gh, keep, chords, root, order }) => {
        const n = gw * gh;
        const edges: Array<[number, number]> = [];
        for (let y = 0; y < gh; y++)
          for (let x = 0; x < gw; x++) {
            const t = y * gw + x;
            if (x + 1 < gw && keep[2 * t]) edges.push([t, t + 1]);
            if (y + 1 < gh && keep[2 * t + 1] !== false) edges.push([t, t + gw]);
          }
        for (const [a, b] of chords) if (a % n !== b % n) edges.push([a % n, b % n]);
        // breadth-first from root over the kept edges, neighbours in a random order; unreached stages dropped
        const nbr = (u: number) => edges.flatMap(([a, b]) => (a === u ? [b] : b === u ? [a] : [])).sort((p, q) => order[p]! - order[q]!);
        const label = new Map<number, number>([[root % n, 0]]);
        for (let i = 0; i < label.size; i++) {
          const u = [...label.keys()][i]!;
          for (const v of nbr(u)) if (!label.has(v)) label.set(v, label.size);
        }
        const seen = new Set<string>();
        const pe: Array<[number, number]> = [];
        for (const [a, b] of edges) {
          if (!label.has(a) || !label.has(b)) continue;
          const key = [label.get(a)!, label.get(b)!].sort().join();
          if (!seen.has(key)) pe.push([label.get(a)!, label.get(b)!]);
          seen.add(key);
        }
        return { nodes: label.size, edges: pe } satisfies Pattern;
      });
    const board = fc.record({
      w: fc.integer({ min: 2, max: 5 }),
      h: fc.integer({ min: 2, max: 5 }),
      busy: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
    });
    fc.assert(
      fc.property(gridPattern, board, (pattern, { w, h, busy }) => {
        const target: Target = { mesh: { width: w, height: h }, occupied: busy.slice(0, w * h).flatMap((b, t) => (b && t % 2 ? [t] : [])) };
        const expected = bruteForceExists(pattern, target);
        for (const proofs of [PROOFS_ALL, PROOFS.rigid]) {
          const r = solve(pattern, target, { solver: "ullmann", proofs });
          expect(r.complete).toBe(true);
          expect(r.found, JSON.stringify({ pattern, target, proofs })).toBe(expected);
          if (r.found) expect(placementError(pattern, target, r.mapping!)).toBeNull();
        }
      }),
      { seed: 20261205, numRuns: 400 },
    );
  });

  it("rigid blocks: a ladder longer than the mesh is refuted at the root, on an empty board too", () => {
    // 2 x 12 on an empty 8 x 8: every region, colour and degree count allows it; the shape does not
    const ladder = ladderPattern(12);
    const mesh: Target = { mesh: { width: 8, height: 8 } };
    const on = solve(ladder, mesh, { solver: "ullmann" });
    const off = solve(ladder, mesh, { solver: "ullmann", proofs: without("rigid") });
    expect(on).toMatchObject({ found: false, complete: true });
    expect(off).toMatchObject({ found: false, complete: true });
    expect(on.work * 100).toBeLessThan(off.work);
    // pso answers it too: the proof is before any particle moves
    expect(solve(ladder, mesh, { solver: "pso", budget: 100_000 })).toMatchObject({ found: false, complete: true });
    // turned a quarter, 2 x 8 fits: along either side
    expect(solve(ladderPattern(8), mesh, { solver: "ullmann" }).found).toBe(true);
    expect(solve(ladderPattern(8), { mesh: { width: 2, height: 8 } }, { solver: "ullmann" }).found).toBe(true);
  });

  it("rigid blocks: a ladder finds the one free 2 x k rectangle of a busy board, and a torus is left to the search", () => {
    // a 10 x 10 board busy everywhere but one vertical 2 x 6 strip at columns 6-7, rows 2-7, and scattered singles
    const free = new Set<number>();
    for (let y = 2; y < 8; y++) for (const x of [6, 7]) free.add(y * 10 + x);
    for (const t of [0, 2, 11, 24, 33, 35, 51, 90, 93, 99]) free.add(t);
    const occupied = Array.from({ length: 100 }, (_, t) => t).filter((t) => !free.has(t));
    const target: Target = { mesh: { width: 10, height: 10 }, occupied };
    const r = solve(ladderPattern(6), target, { solver: "ullmann" });
    expect(r.found).toBe(true);
    expect(placementError(ladderPattern(6), target, r.mapping!)).toBeNull();
    expect(new Set(r.mapping)).toEqual(new Set([...free].filter((t) => t % 10 >= 6 && Math.floor(t / 10) >= 2 && Math.floor(t / 10) < 8)));
    expect(solve(ladderPattern(7), target, { solver: "ullmann" })).toMatchObject({ found: false, complete: true });
    // on a 4-wide torus a row is a 4-cycle: squares are not rigid there, and a 2 x 4 ring-ladder fits
    const ring: Pattern = { nodes: 8, edges: [...ladderPattern(4).edges, [0, 3], [4, 7]] };
    expect(solve(ring, { mesh: { width: 4, height: 4, torus: true } }, { solver: "ullmann" }).found).toBe(true);
    expect(solve(ring, { mesh: { width: 4, height: 4 } }, { solver: "ullmann" })).toMatchObject({ found: false, complete: true });
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
