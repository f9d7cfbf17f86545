// The immsched core: what the host may call. No I/O, no clock, no allocation after start-up.
// Bulk inputs (link lists, edges, kinds, occupied tiles) are written by the host into the shared
// I/O buffer and then consumed by one call, so loading a graph costs a handful of boundary crossings.

import {
  MAX_TILES, MAX_STAGES, targetReset, targetLink, targetMesh, targetSetOccupied, targetSetKind,
  patternReset, patternEdge, patternSetKind, targetTiles, patternStages,
} from "./graph";
import { meterAllow, meterStart, workUsed } from "./meter";
import { mapping } from "./ullmann";
import { runPlacement, answeredBy, searching, SOLVER_PSO, SOLVER_AUTO, SOLVER_MORE } from "./portfolio";
import { ullmannResume } from "./ullmann";
import { psoConfigure, psoResume } from "./particles/swarm";
import { rngSeed } from "./rng";
import { OK, E_IO_OVERFLOW, E_NO_TARGET, E_NO_PATTERN, E_BUDGET, E_PARTICLES, E_PROOFS, E_RESUME, BUDGET_SPENT } from "./status";
import { proofsConfigure } from "./proofs/switches";

const IO_WORDS: i32 = 8192;
const io = new StaticArray<i32>(IO_WORDS);

export function ioPointer(): usize {
  return changetype<usize>(io);
}
export function ioCapacity(): i32 {
  return IO_WORDS;
}

// ---- target ----------------------------------------------------------------------------------
export function loadTargetTiles(tiles: i32): i32 {
  return targetReset(tiles);
}
export function loadTargetMesh(width: i32, height: i32, torus: bool): i32 {
  return targetMesh(width, height, torus);
}
/** Adds `count` links read as (a, b) pairs from the I/O buffer. */
export function loadTargetLinks(count: i32): i32 {
  if (count < 0 || count * 2 > IO_WORDS) return E_IO_OVERFLOW;
  for (let k = 0; k < count; k++) {
    const r = targetLink(unchecked(io[2 * k]), unchecked(io[2 * k + 1]));
    if (r != OK) return r;
  }
  return OK;
}
/** Marks `count` tiles read from the I/O buffer occupied (or free again). */
export function loadTargetOccupied(count: i32, occupied: bool): i32 {
  if (count < 0 || count > IO_WORDS) return E_IO_OVERFLOW;
  for (let k = 0; k < count; k++) {
    const r = targetSetOccupied(unchecked(io[k]), occupied);
    if (r != OK) return r;
  }
  return OK;
}
/** Kinds of tiles 0..count-1 read from the I/O buffer. */
export function loadTargetKinds(count: i32): i32 {
  if (count < 0 || count > IO_WORDS) return E_IO_OVERFLOW;
  for (let t = 0; t < count; t++) {
    const r = targetSetKind(t, unchecked(io[t]));
    if (r != OK) return r;
  }
  return OK;
}

// ---- pattern ---------------------------------------------------------------------------------
export function loadPatternStages(stages: i32): i32 {
  return patternReset(stages);
}
/** Adds `count` directed edges read as (u, v) pairs from the I/O buffer. */
export function loadPatternEdges(count: i32): i32 {
  if (count < 0 || count * 2 > IO_WORDS) return E_IO_OVERFLOW;
  for (let k = 0; k < count; k++) {
    const r = patternEdge(unchecked(io[2 * k]), unchecked(io[2 * k + 1]));
    if (r != OK) return r;
  }
  return OK;
}
/** Required kinds of stages 0..count-1 read from the I/O buffer (-1: any). */
export function loadPatternKinds(count: i32): i32 {
  if (count < 0 || count > IO_WORDS) return E_IO_OVERFLOW;
  for (let s = 0; s < count; s++) {
    const r = patternSetKind(s, unchecked(io[s]));
    if (r != OK) return r;
  }
  return OK;
}

// ---- solve -----------------------------------------------------------------------------------
/**
 * Places the loaded pattern on the free tiles of the loaded target.
 * budget: work units (a positive integer below 2^53); seed: for the randomised solvers.
 * Returns FOUND / NONE / BUDGET_SPENT, or a negative error; the mapping is at `resultMapping()`.
 * SOLVER_MORE continues the last pso or ullmann solve (portfolio.ts); the seed is then not used, and
 * the work counts on from the solve it continues.
 */
export function solve(solver: i32, budget: f64, seed: u32): i32 {
  if (targetTiles == 0) return E_NO_TARGET;
  if (patternStages == 0) return E_NO_PATTERN;
  if (!(budget >= 1) || budget > 9007199254740991 || budget != Math.floor(budget)) return E_BUDGET;
  let r: i32;
  if (solver == SOLVER_MORE) {
    if (!resumable) return E_RESUME;
    meterAllow(<u64>budget);
    r = searching == SOLVER_PSO ? psoResume() : ullmannResume();
  } else {
    meterStart(<u64>budget);
    rngSeed(seed);
    r = runPlacement(solver);
  }
  // a solve whose budget ran out before its search began has nothing to go on with; auto's slices are its own
  resumable = r == BUDGET_SPENT && searching >= 0 && searching != SOLVER_AUTO;
  return r;
}
/** The last solve's search spent its budget: SOLVER_MORE may continue it. */
let resumable: bool = false;

/** Particle solver settings: swarm size (1..16, default 8) and quality iterations (0: stop at the first). */
export function configureParticles(particles: i32, polish: i32): i32 {
  return psoConfigure(particles, polish) ? OK : E_PARTICLES;
}

/** Which proofs and filters run (a mask of the PROOF_ / FILTER_ bits; all by default): for measuring each. */
export function configureProofs(mask: i32): i32 {
  return proofsConfigure(mask) ? OK : E_PROOFS;
}

export function resultWork(): f64 {
  return <f64>workUsed;
}
/** Solver id that gave the last answer (auto reports the particles or the exact search). */
export function resultSolver(): i32 {
  return answeredBy;
}
export function resultMapping(): usize {
  return changetype<usize>(mapping);
}

// The global controller (task table, tile ownership, policies, command queue).
export * from "./controller/api";
