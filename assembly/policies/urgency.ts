// The urgency order of the pre-emptive spatial policies (IsoSched, IMMSched): higher priority
// first, then earlier deadline. As a score (lower first): priority classes are 1e15 ns apart,
// far more than any deadline difference in a run.

import { taskPriority, taskDeadlineNs } from "../controller/tasks";

// @ts-ignore: decorator
@inline export function urgencyScore(slot: i32): f64 {
  return <f64>(9 - unchecked(taskPriority[slot])) * 1e15 + unchecked(taskDeadlineNs[slot]);
}
