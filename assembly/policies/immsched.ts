// IMMSched: as IsoSched (tile-spatial, pre-emptive, most urgent first), but placements come from
// the quantized multi-particle solver over Ullmann's relaxation, with the exact search as fallback.

import { Policy } from "./policy";
import { urgencyScore } from "./urgency";
import { SOLVER_IMMSCHED } from "./solvers";
import { psoConfigure, DEFAULT_PARTICLES } from "../particles/swarm";

/** Particle iterations spent on placement quality after the first valid placement. */
export const IMMSCHED_POLISH: i32 = 4;

export class ImmSched extends Policy {
  constructor() {
    super(true, true, SOLVER_IMMSCHED);
  }
  reset(): void {
    psoConfigure(DEFAULT_PARTICLES, IMMSCHED_POLISH);
  }
  score(slot: i32, now: f64): f64 {
    return urgencyScore(slot);
  }
}
