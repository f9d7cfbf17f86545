// FCFS: first come, first served. Layer-temporal, non-pre-emptive: a task keeps the whole array
// until it finishes, and the earliest arrival runs next. The baseline every paper compares with.

import { Policy } from "./policy";
import { taskSeq } from "../controller/tasks";

export class Fcfs extends Policy {
  constructor() {
    super(false, false, 0);
  }
  score(slot: i32, now: f64): f64 {
    return <f64>unchecked(taskSeq[slot]);
  }
}
