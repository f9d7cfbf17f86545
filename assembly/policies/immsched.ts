// IMMSched: as IsoSched (tile-spatial, pre-emptive, most urgent first), but placements come from
// the quantized multi-particle solver over Ullmann's relaxation, with the exact search as fallback.

import { Policy } from "./policy";
import { urgencyScore } from "./urgency";
import { SOLVER_IMMSCHED } from "./solvers";

export class ImmSched extends Policy {
  constructor() {
    super(true, true, SOLVER_IMMSCHED);
  }
  score(slot: i32, now: f64): f64 {
    return urgencyScore(slot);
  }
}
