// Planaria's task priority (Ghodrati et al., MICRO 2020), as the seed papers use it for
// layer-temporal scheduling: `priority / (deadline - now)`, the largest runs first; pre-emptive.

import { Policy } from "./policy";
import { timeLeftNs } from "./estimates";
import { taskPriority } from "../controller/tasks";

export class Planaria extends Policy {
  constructor() {
    super(false, true, 0);
  }
  score(slot: i32, now: f64): f64 {
    // a passed deadline counts as 1 ns left: the most urgent, not a negative score
    return -<f64>unchecked(taskPriority[slot]) / max(1.0, timeLeftNs(slot, now));
  }
}
