// The task table: every task the controller has admitted and not yet retired, in fixed slots.
// A task is QUEUED (never started), RUNNING (holds the array or its tiles), PREEMPTED (stopped
// at a boundary, waiting to resume) or FINISHING (all its layers reported, TASK_DONE pending). Retired tasks free their slot at once; the host keeps history.

import { MAX_STAGES } from "../graph";

export const MAX_TASKS: i32 = 256;

export const FREE: u8 = 0;
export const QUEUED: u8 = 1;
export const RUNNING: u8 = 2;
export const PREEMPTED: u8 = 3;
/** Layer-temporal: its last layer has finished; only its TASK_DONE is still to come. */
export const FINISHING: u8 = 4;

export const taskState = new StaticArray<u8>(MAX_TASKS);
export const taskId = new StaticArray<u32>(MAX_TASKS);
export const taskModel = new StaticArray<i32>(MAX_TASKS);
export const taskPriority = new StaticArray<i32>(MAX_TASKS);
export const taskArrivalNs = new StaticArray<f64>(MAX_TASKS);
export const taskDeadlineNs = new StaticArray<f64>(MAX_TASKS);
/** Last time the task held the array or its tiles (arrival until it first runs). */
export const taskLastRunNs = new StaticArray<f64>(MAX_TASKS);
/** Layers finished (layer-temporal) or stages finished (tile-spatial). */
export const taskDone = new StaticArray<i32>(MAX_TASKS);
/** Variant (pipeline partition) the task was placed with, -1 before its first placement. */
export const taskVariant = new StaticArray<i32>(MAX_TASKS);
/** Tile of each stage while RUNNING in spatial mode. */
export const taskTiles = new StaticArray<u8>(MAX_TASKS * MAX_STAGES);
/** PREMA's token (grows while waiting). */
export const taskToken = new StaticArray<f64>(MAX_TASKS);
/** Sum and count of measured / estimated layer time (Dysta's dynamic correction gamma). */
export const taskRatioSum = new StaticArray<f64>(MAX_TASKS);
export const taskRatioCount = new StaticArray<i32>(MAX_TASKS);
/** Arrival order, for FCFS and stable tie-breaking. */
export const taskSeq = new StaticArray<u32>(MAX_TASKS);

export let activeTasks: i32 = 0;
let nextSeq: u32 = 0;

export function tasksReset(): void {
  for (let s = 0; s < MAX_TASKS; s++) unchecked((taskState[s] = FREE));
  activeTasks = 0;
  nextSeq = 0;
}

/** Slot of a live task by its host id, or -1. */
export function findTask(id: u32): i32 {
  for (let s = 0; s < MAX_TASKS; s++) {
    if (unchecked(taskState[s]) != FREE && unchecked(taskId[s]) == id) return s;
  }
  return -1;
}

/** Takes a free slot for a new task, or -1 when the table is full. */
export function admitTask(id: u32, model: i32, priority: i32, arrivalNs: f64, deadlineNs: f64): i32 {
  for (let s = 0; s < MAX_TASKS; s++) {
    if (unchecked(taskState[s]) == FREE) {
      unchecked((taskState[s] = QUEUED));
      unchecked((taskId[s] = id));
      unchecked((taskModel[s] = model));
      unchecked((taskPriority[s] = priority));
      unchecked((taskArrivalNs[s] = arrivalNs));
      unchecked((taskDeadlineNs[s] = deadlineNs));
      unchecked((taskLastRunNs[s] = arrivalNs));
      unchecked((taskDone[s] = 0));
      unchecked((taskVariant[s] = -1));
      unchecked((taskToken[s] = <f64>priority));
      unchecked((taskRatioSum[s] = 0));
      unchecked((taskRatioCount[s] = 0));
      unchecked((taskSeq[s] = nextSeq++));
      activeTasks++;
      return s;
    }
  }
  return -1;
}

export function retireTask(slot: i32): void {
  if (unchecked(taskState[slot]) == FREE) return;
  unchecked((taskState[slot] = FREE));
  activeTasks--;
}

/** Dysta's gamma: mean measured / estimated time over the task's finished layers (1 before any). */
export function taskGamma(slot: i32): f64 {
  const n = unchecked(taskRatioCount[slot]);
  return n == 0 ? 1.0 : unchecked(taskRatioSum[slot]) / <f64>n;
}
