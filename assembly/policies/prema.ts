// PREMA (Choi & Rhu, HPCA 2020): predictive multi-task scheduling with tokens. Layer-temporal,
// pre-emptive at layer boundaries. Each task starts with a token equal to its priority; while it
// waits the token grows by `priority * waited / isolated latency`. The threshold is the highest of
// the priority levels 9 / 3 / 1 that some waiting or running task's token reaches; among the tasks
// at or above it, the shortest estimated remaining job runs.

import { Policy } from "./policy";
import { isolatedNs, remainingTemporalNs } from "./estimates";
import {
  MAX_TASKS, FREE, RUNNING, taskState, taskToken, taskPriority, taskLastRunNs,
} from "../controller/tasks";
import { charge } from "../meter";

const ABOVE: f64 = 1e30; // pushes tasks under the threshold behind every candidate

export class Prema extends Policy {
  threshold: f64 = 1;
  lastUpdate: f64 = 0;

  constructor() {
    super(false, true, 0);
  }

  reset(): void {
    this.threshold = 1;
    this.lastUpdate = 0;
  }

  prepare(now: f64): void {
    let top: f64 = 0;
    for (let s = 0; s < MAX_TASKS; s++) {
      const st = unchecked(taskState[s]);
      if (st == FREE) continue;
      charge(1);
      if (st != RUNNING) {
        // tokens accrue for the time waited since the last scheduling point
        const since = max(unchecked(taskLastRunNs[s]), this.lastUpdate);
        const waited = max(0.0, now - since);
        unchecked((taskToken[s] += <f64>unchecked(taskPriority[s]) * waited / max(1.0, isolatedNs(s))));
      }
      top = max(top, unchecked(taskToken[s]));
    }
    this.threshold = top >= 9 ? 9 : top >= 3 ? 3 : 1;
    this.lastUpdate = now;
  }

  score(slot: i32, now: f64): f64 {
    const r = remainingTemporalNs(slot);
    return unchecked(taskToken[slot]) >= this.threshold ? r : ABOVE + r;
  }
}
