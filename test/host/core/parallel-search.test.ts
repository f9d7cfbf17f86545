// The parallel search (host/core/parallel-search.ts) on real worker threads, each group with its
// own release core: the same seed gives the same answer with one worker or two, every placement is
// valid, a proof of "none" and an exhausted budget are answered as such, and bad input or a failing
// worker is a clear error. Also the core's SOLVER_MORE through Core.solveMore.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Core } from "../../../host/core/core.js";
import { ParallelSearch, spanFor } from "../../../host/core/parallel-search.js";
import { placementError } from "../../../host/core/verify.js";
import { FAMILIES, HARD_FAMILIES, branchMergePattern, makeInstance } from "../../../host/bench/instances.js";
import { mulberry32, randInt } from "../../../host/workloads/random.js";
import type { Pattern, Target } from "../../../host/formats/graphs.js";

const rand = mulberry32(41);
const families = [...FAMILIES, ...HARD_FAMILIES];
const instances = Array.from({ length: 28 }, (_, k) => {
  const side = randInt(rand, 6, 12);
  return makeInstance(rand, families[k % families.length]!, side, side, randInt(rand, 0, 6) / 10);
});

let one: ParallelSearch;
let two: ParallelSearch;
beforeAll(() => {
  one = ParallelSearch.start({ workers: 1, groups: 4, slice: 1024 });
  two = ParallelSearch.start({ workers: 2, groups: 4, slice: 1024 });
});
afterAll(async () => {
  await one.close();
  await two.close();
});

describe("parallel search", () => {
  it("give the same answer for the same seed with one worker or two, every placement valid", () => {
    let found = 0;
    for (const seed of [1, 99]) {
      for (const inst of instances) {
        const a = one.solve(inst.target, inst.pattern, { seed, budget: 200_000 });
        const b = two.solve(inst.target, inst.pattern, { seed, budget: 200_000 });
        expect({ ...b, micros: 0, spanWork: 0 }, JSON.stringify(inst)).toEqual({ ...a, micros: 0, spanWork: 0 });
        // the same rounds: the span on two workers is the two-worker projection of the one-worker run
        expect(b.spanWork).toBe(spanFor(a.roundWork, 2));
        expect(b.spanWork).toBeLessThanOrEqual(a.spanWork);
        if (a.found) {
          found++;
          expect(placementError(inst.pattern, inst.target, a.mapping!)).toBeNull();
        }
      }
    }
    expect(found).toBeGreaterThan(10);
  });

  it("another seed is another search (the groups' seeds follow it)", () => {
    const inst = makeInstance(mulberry32(5), "random-subgraph", 12, 12, 0.2, 20);
    const runs = [1, 2, 3, 4].map((seed) => two.solve(inst.target, inst.pattern, { seed }));
    expect(runs.every((r) => r.found)).toBe(true);
    expect(new Set(runs.map((r) => JSON.stringify(r.roundWork))).size).toBeGreaterThan(1);
  });

  it("answers 'none, proven' in the first round when a proof before search settles it", () => {
    const ring: Pattern = { nodes: 7, edges: Array.from({ length: 7 }, (_, i) => [i, (i + 1) % 7] as [number, number]) };
    const r = two.solve({ mesh: { width: 8, height: 8 } }, ring);
    expect(r).toMatchObject({ found: false, complete: true, rounds: 1, group: 0, mapping: null });
  });

  it("stops when each group has spent its budget, unsettled, after budget / slice rounds", () => {
    // three 6-cycles in a row on an empty 5x5 board: infeasible, and only a search can tell
    const r = two.solve({ mesh: { width: 5, height: 5 } }, branchMergePattern(3, 2), { budget: 5000 });
    expect(r).toMatchObject({ found: false, complete: false, group: -1, rounds: 5 });
    expect(r.roundWork).toHaveLength(5);
    expect(r.work).toBeGreaterThanOrEqual(4 * 5000);
  });

  it("refuses bad settings and bad input with a clear error, and goes on after a worker's failure", () => {
    expect(() => ParallelSearch.start({ groups: 0 })).toThrow(/groups must be an integer in 1\.\.16/);
    expect(() => ParallelSearch.start({ groups: 2, workers: 3 })).toThrow(/workers must be an integer in 1\.\.2/);
    expect(() => ParallelSearch.start({ slice: 0 })).toThrow(/slice must be a positive integer/);
    const mesh: Target = { mesh: { width: 4, height: 4 } };
    expect(() => two.solve(mesh, { nodes: 2, edges: [[0, 1]] }, { budget: 0 })).toThrow(/budget must be an integer/);
    // the workers load the instance; the core's own check names what is wrong
    expect(() => two.solve(mesh, { nodes: 2, edges: [[0, 5]] })).toThrow(/parallel search: worker \d, loading the instance: .*edge/i);
    const r = two.solve(mesh, { nodes: 2, edges: [[0, 1]] });
    expect(r.found).toBe(true);
  });

  it("refuses to solve once closed", async () => {
    const pp = ParallelSearch.start({ workers: 1, groups: 1 });
    expect(pp.solve({ mesh: { width: 3, height: 3 } }, { nodes: 2, edges: [[0, 1]] }).found).toBe(true);
    await pp.close();
    expect(() => pp.solve({ mesh: { width: 3, height: 3 } }, { nodes: 2, edges: [[0, 1]] })).toThrow(/after close/);
  });
});

describe("Core.solveMore (SOLVER_MORE)", () => {
  let core: Core;
  beforeAll(async () => {
    core = await Core.load();
  });

  for (const solver of ["pso", "ullmann"] as const) {
    it(`continues a ${solver} search that spent its budget, and refuses when there is nothing to continue`, () => {
      const inst = makeInstance(mulberry32(5), "branch-merge", 10, 10, 0.2);
      core.loadTarget(inst.target);
      core.loadPattern(inst.pattern);
      // a budget that ends within the proofs before search leaves no search to go on with
      expect(core.solve({ solver, budget: 5, seed: 3 })).toMatchObject({ found: false, complete: false });
      expect(() => core.solveMore(100)).toThrow(/nothing to continue/);
      // the least budget (in steps of 100) after which the search goes on: the proofs cost ~1,500 units here
      let first = 100;
      let r = core.solve({ solver, budget: first, seed: 3 });
      let more: ReturnType<Core["solveMore"]> | undefined;
      while (!more && !r.complete) {
        try {
          more = core.solveMore(100);
        } catch {
          r = core.solve({ solver, budget: (first += 100), seed: 3 });
        }
      }
      expect(r.complete).toBe(false);
      r = more!;
      let slices = 1;
      while (!r.complete && slices < 2000) {
        r = core.solveMore(100);
        expect(r.work).toBeLessThan(100 + 3_000); // one slice, overrun by at most one step
        slices++;
      }
      expect(slices).toBeGreaterThan(1);
      expect(r.found).toBe(true);
      expect(placementError(inst.pattern, inst.target, r.mapping!)).toBeNull();
      expect(() => core.solveMore(100)).toThrow(/nothing to continue/);
      // a new instance ends what could be continued
      core.solve({ solver, budget: first, seed: 3 });
      core.solveMore(1);
      core.loadPattern(inst.pattern);
      expect(() => core.solveMore(100)).toThrow(/nothing to continue/);
    });
  }

  it("an exact search in slices gives the same answer and the same work as in one piece", () => {
    const inst = makeInstance(mulberry32(9), "ladder", 12, 12, 0.3);
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    const whole = core.solve({ solver: "ullmann" });
    let r = core.solve({ solver: "ullmann", budget: 3000 });
    let work = r.work;
    while (!r.complete) {
      r = core.solveMore(500);
      work += r.work;
    }
    expect(r.found).toBe(whole.found);
    expect(r.mapping).toEqual(whole.mapping);
    expect(work).toBe(whole.work);
  });

  it("auto's slices are its own: nothing to continue after an auto solve", () => {
    const inst = makeInstance(mulberry32(5), "branch-merge", 10, 10, 0.2);
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    expect(core.solve({ solver: "auto", budget: 2500 }).complete).toBe(false);
    expect(() => core.solveMore(100)).toThrow(/nothing to continue/);
  });
});
