// Dysta (Fan et al., 2023): bi-level sparse multi-DNN scheduling; layer-temporal, pre-emptive at
// layer boundaries. The smallest score runs:
//   score = R + beta * (U + P)
//   R = gamma * remaining estimated latency (static per-layer table, at average sparsity)
//   U = max(0, (deadline - now) - R)              slack left after the remaining work
//   P = (now - last_run) / isolated latency / n   waiting penalty, n = tasks in the system
//   gamma = mean over the task's finished layers of measured / estimated time, i.e. of
//           (1 - s_measured) / (1 - s_average): the dynamic monitor's correction
//   beta = 0.01 (controller/params.ts PARAM_DYSTA_BETA: the host may tune it)

import { Policy } from "./policy";
import { correctedRemainingNs, isolatedNs, timeLeftNs } from "./estimates";
import { activeTasks, taskLastRunNs } from "../controller/tasks";
import { PARAM_DYSTA_BETA, param } from "../controller/params";

export class Dysta extends Policy {
  constructor() {
    super(false, true, 0);
  }
  score(slot: i32, now: f64): f64 {
    const r = correctedRemainingNs(slot);
    const u = max(0.0, timeLeftNs(slot, now) - r);
    const p = max(0.0, now - unchecked(taskLastRunNs[slot])) / max(1.0, isolatedNs(slot)) / <f64>max(1, activeTasks);
    return r + param(PARAM_DYSTA_BETA) * (u + p);
  }
}
