// The IMMSched solver (the IMMSched paper; docs/ARCHITECTURE.md "The problem"): a swarm of particles searching a probabilistic
// continuous relaxation of Ullmann's candidate matrix, merged by a global best.
//
//  1. Relaxation. Ullmann's refined candidate matrix M (ullmann.ts, matrix 0) is the support: each
//     particle holds a u8 probability row per stage over the tiles, zero outside M.
//     Every particle starts from the same prior, higher on tiles with fewer free links (placing
//     against walls and busy tiles leaves the free space in one piece: a packing heuristic).
//  2. Projection (projection.ts). Each particle samples a concrete placement in connectivity
//     order; every edge between placed stages is on a link by construction, so a placement that
//     reaches the last stage is valid. Fitness = stages placed, or VALID + quality (quality.ts).
//  3. Consensus. A particle's personal best and the swarm's global best (the controller's
//     consensus) are placements; they pull the rows toward their tiles.
//  4. Update (update.ts). The fixed-point PSO step, 16 tiles per v128 in the SIMD build.
//  5. Stop. Feasibility mode (polish = 0): at the first valid placement. Quality mode: `polish`
//     more iterations after the first valid one, returning the best. A particle whose personal
//     best has not improved for STALL iterations restarts from the prior (diversity).
//
// The particles run one after another on this core; IMMSched runs them on parallel units. The
// work meter counts every step (one unit per v128 chunk of an update, per stage drawn, per tile
// looked at), so the host can price a decision the same way for both solvers.

import { MAX_STAGES, patternStages, targetTiles, targetFreeDegree } from "../graph";
import { WORDS, setClear, setFirst, setOrInto } from "../bitset";
import { candidates, mapping } from "../ullmann";
import { charge, workSpent } from "../meter";
import { rngNext } from "../rng";
import { FOUND, BUDGET_SPENT } from "../status";
import {
  MAX_PARTICLES, ROW, position, velocity, mask, prior, bestMap, bestFitness, stall,
  globalMap, globalFitness, setGlobalFitness, drawn, rowOffset, tilePrior, fresh,
} from "./state";
import { C1, C2, updateRow } from "./update";
import { project, isValid } from "./projection";

/** Iterations without personal improvement before a particle restarts. */
export const STALL: i32 = 4;
/** Default swarm size: enough diversity on 16x16 boards, small enough that one iteration is cheap. */
export const DEFAULT_PARTICLES: i32 = 8;

let particles: i32 = DEFAULT_PARTICLES;
let polish: i32 = 0;

/** Swarm size (1..MAX_PARTICLES) and quality iterations after the first valid placement (>= 0). */
export function psoConfigure(count: i32, polishIterations: i32): bool {
  if (count < 1 || count > MAX_PARTICLES || polishIterations < 0) return false;
  particles = count;
  polish = polishIterations;
  return true;
}

let lo: i32 = 0;
let hi: i32 = 0;

const union = new StaticArray<u64>(WORDS);
/** Mask and prior rows are built at the first update of a search, not before (see `fresh`). */
let rowsReady: bool = false;

/**
 * The tile span [lo, hi) (16-aligned) of the candidate rows and each tile's prior weight: higher
 * with fewer free links (placing against walls and busy tiles packs tasks).
 */
function prepare(n: i32): void {
  for (let t = 0; t < targetTiles; t++) {
    unchecked((tilePrior[t] = <u8>(64 + 32 * max(0, 4 - unchecked(targetFreeDegree[t])))));
  }
  setClear(union, 0);
  for (let i = 0; i < n; i++) setOrInto(union, 0, candidates, i * WORDS);
  const first = setFirst(union, 0);
  lo = first < 0 ? 0 : first & ~15;
  hi = lo;
  for (let w = WORDS - 1; w >= 0; w--) {
    const v = unchecked(union[w]);
    if (v != 0) {
      hi = ((w << 6) + 64 - <i32>clz(v) + 15) & ~15;
      break;
    }
  }
  rowsReady = false;
  charge(<u64>(targetTiles + n));
}

/**
 * Mask and prior rows from matrix 0, over the span only, visiting only candidate bits: the cost
 * follows the candidates, not the board.
 */
function prepareRows(n: i32): void {
  let visited = 0;
  for (let i = 0; i < n; i++) {
    const row = <usize>(i * ROW);
    memory.fill(changetype<usize>(mask) + row + <usize>lo, 0, <usize>(hi - lo));
    memory.fill(changetype<usize>(prior) + row + <usize>lo, 0, <usize>(hi - lo));
    for (let w = 0; w < WORDS; w++) {
      let bits = unchecked(candidates[i * WORDS + w]);
      while (bits != 0) {
        const t = (w << 6) + <i32>ctz(bits);
        bits &= bits - 1;
        unchecked((mask[i * ROW + t] = 0xff));
        unchecked((prior[i * ROW + t] = tilePrior[t]));
        visited++;
      }
    }
  }
  rowsReady = true;
  charge(<u64>(n * ((hi - lo) >> 4) + visited));
}

/** Back to the prior (lazily: see `fresh`). */
function resetParticle(p: i32): void {
  unchecked((fresh[p] = true));
  unchecked((stall[p] = 0));
}

/** Gives a fresh particle its own copy of the prior and zero velocity, before its first update. */
function materialize(p: i32, n: i32): void {
  if (!rowsReady) prepareRows(n);
  // rows are contiguous, so one copy covers them (the bytes outside [lo, hi) are never read)
  const bytes = <usize>(n * ROW);
  memory.copy(changetype<usize>(position) + <usize>rowOffset(p, 0), changetype<usize>(prior), bytes);
  memory.fill(changetype<usize>(velocity) + <usize>rowOffset(p, 0), 0, bytes);
  unchecked((fresh[p] = false));
  charge(<u64>(n * ((hi - lo) >> 4)));
}

/** One PSO step of particle p. */
function step(p: i32, n: i32): void {
  if (unchecked(fresh[p])) materialize(p, n);
  for (let i = 0; i < n; i++) {
    const r = rngNext();
    const a1 = (C1 * <i32>(r & 0xff)) >> 8;
    const a2 = (C2 * <i32>((r >>> 8) & 0xff)) >> 8;
    const pb = unchecked(bestMap[p * MAX_STAGES + i]);
    const gb = unchecked(globalMap[i]);
    updateRow(p, i, lo, hi, pb >= 0 ? a1 : 0, gb >= 0 ? a2 : 0, pb, gb);
  }
  charge(<u64>(n * ((hi - lo) >> 4)));
}

// Where a sliced search stands (the portfolio runs the swarm in slices between exact-search slices).
let iter: i32 = 0;
let cur: i32 = 0;
let foundAt: i32 = -1;

/**
 * The particle search on matrix 0 and the order already built (see portfolio.ts).
 * FOUND (mapping filled) or BUDGET_SPENT: particles never prove that no placement exists.
 */
export function psoSearch(): i32 {
  psoBegin();
  return psoResume();
}

/** Initialises the swarm for the loaded pattern. */
export function psoBegin(): void {
  const n = patternStages;
  prepare(n);
  for (let p = 0; p < particles; p++) {
    resetParticle(p);
    unchecked((bestFitness[p] = -1));
    for (let i = 0; i < n; i++) unchecked((bestMap[p * MAX_STAGES + i] = -1));
  }
  for (let i = 0; i < n; i++) unchecked((globalMap[i] = -1));
  setGlobalFitness(-1);
  iter = 0;
  cur = 0;
  foundAt = -1;
}

/**
 * Runs the swarm until it has a placement to return or the meter's budget runs out. The budget is
 * checked between particles (one particle's update and draw run to the end), so every slice makes
 * progress and may overrun its budget by one particle's step.
 */
export function psoResume(): i32 {
  const n = patternStages;
  const withQuality = polish > 0;
  while (true) {
    for (; cur < particles; cur++) {
      if (workSpent) return finish(n);
      const p = cur;
      if (iter > 0) {
        if (unchecked(stall[p]) >= STALL) resetParticle(p);
        else step(p, n);
      }
      const f = drawBest(p, n, withQuality);
      if (f > unchecked(bestFitness[p])) {
        unchecked((bestFitness[p] = f));
        memory.copy(changetype<usize>(bestMap) + <usize>(p * MAX_STAGES * 4), changetype<usize>(drawn), <usize>(n * 4));
        unchecked((stall[p] = 0));
      } else {
        unchecked((stall[p] = stall[p] + 1));
      }
      if (f > globalFitness) {
        setGlobalFitness(f);
        memory.copy(changetype<usize>(globalMap), changetype<usize>(drawn), <usize>(n * 4));
        if (!withQuality && isValid(f)) {
          cur++;
          return finish(n);
        }
      }
    }
    cur = 0;
    if (isValid(globalFitness)) {
      if (foundAt < 0) foundAt = iter;
      if (iter - foundAt >= polish) {
        iter++;
        return finish(n);
      }
    }
    iter++;
  }
  return unreachable();
}

/**
 * Draws a placement from particle p up to DRAWS times while none is complete, keeping the best in
 * `drawn`: a draw costs a few units per stage, an update one per 16 tiles of every row, so trying
 * the same distribution again is the cheaper way out of a dead end (measured: npm run bench:solve).
 */
export const DRAWS: i32 = 8;
const keep = new StaticArray<i32>(MAX_STAGES);

function drawBest(p: i32, n: i32, withQuality: bool): i32 {
  let best = project(p, withQuality);
  for (let k = 1; k < DRAWS && !isValid(best); k++) {
    memory.copy(changetype<usize>(keep), changetype<usize>(drawn), <usize>(n * 4));
    const f = project(p, withQuality);
    if (f > best) best = f;
    else memory.copy(changetype<usize>(drawn), changetype<usize>(keep), <usize>(n * 4));
  }
  return best;
}

function finish(n: i32): i32 {
  if (!isValid(globalFitness)) return BUDGET_SPENT;
  for (let i = 0; i < n; i++) unchecked((mapping[i] = globalMap[i]));
  return FOUND;
}
