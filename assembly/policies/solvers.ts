// Which placement solver a spatial policy uses, and the one call that runs it on the loaded
// pattern and free tiles (the meter must have been started by the caller).

import { ullmannSolve } from "../ullmann";

export const SOLVER_ULLMANN: i32 = 0;
/** The IMMSched portfolio: particles first, exact search as fallback. */
export const SOLVER_IMMSCHED: i32 = 2;

export function runSolver(solver: i32): i32 {
  // until the particle solver lands, every id runs the exact search
  return ullmannSolve();
}
