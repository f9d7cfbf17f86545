// Which placement solver a spatial policy uses (the ids of portfolio.ts), and the one call that runs
// it on the loaded pattern and free tiles (the meter must have been started by the caller).

import { runPlacement, SOLVER_ULLMANN as ULLMANN, SOLVER_AUTO } from "../portfolio";

/** IsoSched: the serial exact search. */
export const SOLVER_ULLMANN: i32 = ULLMANN;
/** IMMSched: the portfolio, particles first, exact search as fallback. */
export const SOLVER_IMMSCHED: i32 = SOLVER_AUTO;

export function runSolver(solver: i32): i32 {
  return runPlacement(solver);
}
