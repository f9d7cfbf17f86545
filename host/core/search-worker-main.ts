// One search worker (parallel-search.ts): a release core per group it runs (groups index,
// index + workers, ...; each group's search lives on in its core from round to round), waiting on
// the control block for a command: load the instance into its cores, or run one round (each
// group's search for one more slice); it writes each group's answer and says it is done.

import { workerData } from "node:worker_threads";
import { Core, type SolveResult } from "./core.js";
import { CoreError } from "./errors.js";
import { CMD, CTL, groupSeed, resultOffset } from "./search-rounds.js";

const { ctl, instance, index, workers, groups } = workerData as {
  ctl: Int32Array;
  instance: Uint8Array;
  index: number;
  workers: number;
  groups: number;
};
const cores = new Map<number, Core>();
for (let g = index; g < groups; g += workers) cores.set(g, await Core.load());
let particles = 8;
let proofs = 0;
/** What the worker is doing, for an error message. */
let doing = "loading the instance";

function load(): void {
  const json = new TextDecoder().decode(instance.slice(0, Atomics.load(ctl, CTL.INSTANCE_BYTES)));
  const inst = JSON.parse(json) as { target: unknown; pattern: unknown; particles: number; proofs: number };
  restart.clear();
  for (const core of cores.values()) {
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
  }
  particles = inst.particles;
  proofs = inst.proofs;
}

/** Each group's budget for its next fresh start, while its search has not begun. */
const restart = new Map<number, number>();

/**
 * Group g's next slice: its search goes on where it stopped; or, when it has not begun yet (a
 * slice can end in the proofs and refinement before the search, which cost thousands of units on
 * a large board), it starts afresh with twice the budget of its last start, so what is lost to
 * starting again is less than the root's own cost.
 */
function slice(g: number, core: Core, r: number, budget: number, seed: number): SolveResult {
  if (r > 0) {
    try {
      return core.solveMore(budget);
    } catch (err) {
      if (!(err instanceof CoreError && err.code === -15)) throw err;
    }
  }
  const start = r === 0 ? budget : 2 * (restart.get(g) ?? budget);
  restart.set(g, start);
  const solver = g === 0 ? "ullmann" : "pso";
  return core.solve({ solver, budget: start, seed: groupSeed(seed, g), particles, proofs });
}

function round(): void {
  const budget = Atomics.load(ctl, CTL.ROUND_BUDGET);
  const seed = Atomics.load(ctl, CTL.SEED) >>> 0;
  const r = Atomics.load(ctl, CTL.ROUND);
  for (const [g, core] of cores) {
    doing = `group ${g}, round ${r}`;
    const res = slice(g, core, r, budget, seed);
    const at = resultOffset(g);
    Atomics.store(ctl, at, res.found ? 1 : 0);
    Atomics.store(ctl, at + 1, res.complete ? 1 : 0);
    Atomics.store(ctl, at + 2, res.work);
    if (res.mapping) for (const [s, t] of res.mapping.entries()) Atomics.store(ctl, at + 3 + s, t);
  }
}

// from 0, not from the current value: a command given before this worker was ready is not missed
let seen = 0;
for (;;) {
  Atomics.wait(ctl, CTL.SEQ, seen);
  seen = Atomics.load(ctl, CTL.SEQ);
  try {
    if (Atomics.load(ctl, CTL.KIND) === CMD.LOAD) {
      doing = "loading the instance";
      load();
    } else round();
  } catch (err) {
    // the first failure's message goes where the instance was (the host reads it, then throws)
    if (Atomics.compareExchange(ctl, CTL.FAILED, 0, 1 + index) === 0) {
      const text = new TextEncoder().encode(`worker ${index}, ${doing}: ${err instanceof Error ? err.message : String(err)}`);
      instance.set(text.subarray(0, 4096));
      Atomics.store(ctl, CTL.ERROR_BYTES, Math.min(text.length, 4096));
    }
  }
  Atomics.add(ctl, CTL.DONE, 1);
  Atomics.notify(ctl, CTL.DONE);
}
