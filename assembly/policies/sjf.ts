// SJF: shortest job first. Layer-temporal, non-pre-emptive: when the array frees, the waiting task
// with the least estimated remaining latency runs. Good mean turnaround, blind to deadlines.

import { Policy } from "./policy";
import { remainingTemporalNs } from "./estimates";

export class Sjf extends Policy {
  constructor() {
    super(false, false, 0);
  }
  score(slot: i32, now: f64): f64 {
    return remainingTemporalNs(slot);
  }
}
