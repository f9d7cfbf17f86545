// HASP-like spatial sharing: tasks own disjoint tile sets, placed by the exact solver in arrival
// order (a later task may fill tiles the head of the queue cannot use), never pre-empted.

import { Policy } from "./policy";
import { taskSeq } from "../controller/tasks";
import { SOLVER_ULLMANN } from "../portfolio";

export class Hasp extends Policy {
  constructor() {
    super(true, false, SOLVER_ULLMANN);
  }
  score(slot: i32, now: f64): f64 {
    return <f64>unchecked(taskSeq[slot]);
  }
}
