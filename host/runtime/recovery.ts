// What the host does with its open tasks when the board starts a new session (a reset, a reboot,
// a HELLO after a cut): the board aborted everything it held and its tiles are all free, so the
// host rebuilds its view of them (a fresh controller, host-runtime.ts) and decides per open task:
// re-issue it (the controller admits it again, as an arrival with its original arrival time and
// deadline, and places it or drops it by its own rules when it can no longer make it), or drop it
// at once when its deadline has already passed. Nothing stays open, so nothing is `lost`
// (PROTOCOL.md §6.1-6.2).

import type { TaskRecord } from "../sim/types.js";

export interface RecoveryPlan {
  /** Open tasks whose deadline is still ahead, in arrival order: admitted again. */
  reissue: TaskRecord[];
  /** Open tasks whose deadline has passed: dropped with the reason RESET_DROP_REASON. */
  expired: TaskRecord[];
}

/** A task's record after the host dropped it because a board reset left it no time. */
export const RESET_DROP_REASON = "board-reset";

/** Splits the tasks still open (neither finished nor dropped) at board time `nowNs`. */
export function planRecovery(records: Iterable<TaskRecord>, nowNs: number): RecoveryPlan {
  const open: TaskRecord[] = [];
  for (const r of records) if (r.finishNs === undefined && r.dropped === undefined) open.push(r);
  open.sort((a, b) => a.arrivalNs - b.arrivalNs || a.id - b.id);
  return { reissue: open.filter((r) => r.deadlineNs > nowNs), expired: open.filter((r) => r.deadlineNs <= nowNs) };
}
