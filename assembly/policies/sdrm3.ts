// SDRM3 (Kim et al., 2022): MapScore = urgency + alpha * fairness, the largest runs first;
// layer-temporal, pre-emptive at layer boundaries.
//   urgency  = min(1, R / slack)       R = estimated remaining latency, slack = deadline - now
//   fairness = idle / next-layer latency   idle = time since the task last ran
// alpha is tuned online by a secant (gradient-descent-like) step on the deadline-miss rate of
// the last WINDOW finished tasks, which settles in a handful of steps as the paper reports.
// (The paper's model-level dynamism, switching to a smaller sub-network under load, needs
// sub-network variants in the workload and is not modelled.)

import { Policy } from "./policy";
import { remainingTemporalNs, nextLayerNs, timeLeftNs } from "./estimates";
import { taskLastRunNs } from "../controller/tasks";

const WINDOW: i32 = 16;
const ALPHA_MIN: f64 = 0.001;
const ALPHA_MAX: f64 = 10;

export class Sdrm3 extends Policy {
  alpha: f64 = 0.1;
  prevAlpha: f64 = 0.05;
  prevMiss: f64 = -1;
  finished: i32 = 0;
  late: i32 = 0;

  constructor() {
    super(false, true, 0);
  }

  reset(): void {
    this.alpha = 0.1;
    this.prevAlpha = 0.05;
    this.prevMiss = -1;
    this.finished = 0;
    this.late = 0;
  }

  score(slot: i32, now: f64): f64 {
    const slack = timeLeftNs(slot, now);
    const r = remainingTemporalNs(slot);
    const urgency = slack <= 0 ? 1.0 : min(1.0, r / slack);
    const idle = max(0.0, now - unchecked(taskLastRunNs[slot]));
    const fairness = idle / max(1.0, nextLayerNs(slot));
    return -(urgency + this.alpha * fairness);
  }

  taskFinished(slot: i32, now: f64, late: bool): void {
    this.finished++;
    if (late) this.late++;
    if (this.finished < WINDOW) return;
    const miss = <f64>this.late / <f64>this.finished;
    this.finished = 0;
    this.late = 0;
    let next = this.alpha;
    if (this.prevMiss < 0) {
      next = this.alpha * 2; // first step: probe upwards
    } else {
      const dAlpha = this.alpha - this.prevAlpha;
      const dMiss = miss - this.prevMiss;
      if (dAlpha != 0) {
        const slope = dMiss / dAlpha;
        // step against the slope, at most halving or doubling alpha per window
        next = this.alpha - 0.5 * slope * abs(this.alpha);
        next = min(this.alpha * 2, max(this.alpha * 0.5, next));
      }
    }
    this.prevAlpha = this.alpha;
    this.prevMiss = miss;
    this.alpha = min(ALPHA_MAX, max(ALPHA_MIN, next));
  }
}
