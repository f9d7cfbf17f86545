// IsoSched-style scheduling: tile-spatial and pre-emptive; each task's stage graph is placed on
// free tiles by the serial exact Ullmann search; an urgent task that does not fit may pre-empt less
// urgent ones (the controller picks the victims). Most urgent first (urgency.ts).

import { Policy } from "./policy";
import { urgencyScore } from "./urgency";
import { SOLVER_ULLMANN } from "../portfolio";

export class IsoSched extends Policy {
  constructor() {
    super(true, true, SOLVER_ULLMANN);
  }
  score(slot: i32, now: f64): f64 {
    return urgencyScore(slot);
  }
}
