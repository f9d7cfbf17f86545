// Which solver runs a placement, and the portfolio `auto`.
//
// Every solver starts from the same refined candidate matrix (ullmann.ts), built after the proofs
// before search (proofs/: free regions, bipartite colour classes, all-different): when they or the
// refinement empty a row there is provably no placement, whatever the solver, so `pso` answers
// "none, proven" too (its particles live on that matrix: every relaxation collapses exactly when a
// row is empty) and `auto` never spends a particle slice on such an instance. `auto` then runs the two searches
// side by side in alternating slices, each resuming where it stopped, and answers with whichever
// settles first: a placement from either, or the exact search's proof that there is none. So it
// finds a placement wherever one exists within the budget.
//
// The slice lengths are measured (npm run bench:solve, 768 instances): the particles get 512 work
// units (a few draws: where they win, on chains and other trees, they win at once), the exact
// search 32 times that (on ladders the particles rarely find what the exact search does, and equal
// slices doubled its tail). When the pattern has a cycle (ladders, branch-and-merge blocks), the
// exact search takes the first slice: the particles lose their median there (3.4x on ladders).
// Overall p50 / p99 decision time 0.91x / 1.17x the exact search alone; with equal 2,048-unit
// slices and particles always first it was 1.24x / 2.03x.
import { buildCandidates, computeOrder, ullmannSearch, ullmannBegin, ullmannResume } from "./ullmann";
import { psoSearch, psoBegin, psoResume } from "./particles/swarm";
import { workSpent, workBudget, workUsed, meterAllow } from "./meter";
import { FOUND, NONE, BUDGET_SPENT, E_SOLVER } from "./status";
import { patternStages, patternNbr } from "./graph";

export const SOLVER_ULLMANN: i32 = 0;
export const SOLVER_PSO: i32 = 1;
export const SOLVER_AUTO: i32 = 2;
/**
 * Not a solver: `solve` with this id continues the last pso or ullmann solve, which spent its
 * budget, for `budget` more units, going on where it stopped (host/core/parallel-particles.ts runs
 * the exact search and particle groups so, in rounds, on several threads). The host keeps the
 * instance unchanged between.
 */
export const SOLVER_MORE: i32 = 3;
/** The solver whose search began in the last runPlacement (-1: the budget ran out before, or a proof settled it). */
export let searching: i32 = -1;

/** Work units per particle slice of `auto`: small against a decision's budget, large against one draw. */
export const SLICE: u64 = 512;
/** The exact search's slices are this many times longer (measured: npm run bench:solve). */
export const EXACT_SHARE: u64 = 32;

/** The solver that gave the last answer (auto answers with one of the other two). */
export let answeredBy: i32 = SOLVER_ULLMANN;

/** Runs `solver` on the loaded pattern and free tiles within the meter's budget. */
export function runPlacement(solver: i32): i32 {
  if (solver < SOLVER_ULLMANN || solver > SOLVER_AUTO) return E_SOLVER;
  answeredBy = SOLVER_ULLMANN; // a refinement proof is the exact solver's
  searching = -1;
  if (!buildCandidates()) return workSpent ? BUDGET_SPENT : NONE;
  computeOrder();
  searching = solver;
  if (solver == SOLVER_ULLMANN) return ullmannSearch();
  answeredBy = SOLVER_PSO;
  if (solver == SOLVER_PSO) return psoSearch();
  return portfolio();
}

function portfolio(): i32 {
  const end = workBudget;
  psoBegin();
  ullmannBegin();
  let r = BUDGET_SPENT;
  // a pattern with cycles (ladders, branch-and-merge blocks): the exact search goes first
  if (hasCycle()) {
    if (!allowSlice(end, SLICE * EXACT_SHARE)) return finishPortfolio(end, r);
    r = ullmannResume();
    if (r != BUDGET_SPENT) {
      answeredBy = SOLVER_ULLMANN;
      return finishPortfolio(end, r);
    }
  }
  while (allowSlice(end, SLICE)) {
    if (psoResume() == FOUND) {
      answeredBy = SOLVER_PSO;
      r = FOUND;
      break;
    }
    if (!allowSlice(end, SLICE * EXACT_SHARE)) break;
    r = ullmannResume();
    if (r != BUDGET_SPENT) {
      answeredBy = SOLVER_ULLMANN;
      break;
    }
  }
  return finishPortfolio(end, r);
}

function finishPortfolio(end: u64, r: i32): i32 {
  meterAllow(end > workUsed ? end - workUsed : 0);
  return r;
}

/** Does the loaded pattern, as an undirected graph, have more edges than a forest can? */
function hasCycle(): bool {
  let ends = 0;
  for (let i = 0; i < patternStages; i++) ends += <i32>popcnt(unchecked(patternNbr[i]));
  return (ends >> 1) >= patternStages;
}

/** Lets the next slice run up to SLICE units (fewer at the end of the budget); false when none are left. */
function allowSlice(end: u64, slice: u64): bool {
  if (workUsed >= end) return false;
  const left = end - workUsed;
  meterAllow(left < slice ? left : slice);
  return true;
}
