// A run trace (clock "board") beside the accelerator model: the command stream executed again on
// firmware-bridge/board/machine.ts at the times the host sent it, and each task's finish on the
// model set beside the one the board reported. Not part of the metrics (the board's word is the
// run's); it says how far the board and the cost model it should follow agree, link delays and
// board timer jitter included (a real board executes a command when it arrives, not when sent).

import { SpatialMachine, TemporalMachine, type Machine } from "../../firmware-bridge/board/machine.js";
import { percentile } from "../sim/metrics.js";
import { commandOf, profileFromJson, type TaskLine } from "./ir.js";
import type { Trace } from "./reader.js";

export interface ModelCheck {
  /** Tasks the board reported finished. */
  boardFinished: number;
  /** ... of which the model also finished. */
  modelFinished: number;
  /** |model finish - board finish| over those (ms). */
  finishDeltaMsP50: number;
  finishDeltaMsMax: number;
  /** Commands the model could not execute as sent (its tiles still held there, a task it never saw). */
  refused: number;
}

const COMMANDS: ReadonlySet<string> = new Set(["place", "resume", "preempt", "drop"]);

/** Undefined when a task that arrived has no profile (an external arrival, an older trace): the model cannot run it. */
export function checkAgainstModel(trace: Trace): ModelCheck | undefined {
  const tasks = new Map<number, TaskLine>();
  for (const { value: l } of trace.body) if (l.op === "task") tasks.set(l.id, l);
  for (const { value: l } of trace.body) if (l.op === "arrive" && !tasks.get(l.task)?.profile) return undefined;
  const machine: Machine = trace.header.machine === "spatial" ? new SpatialMachine(trace.header.tiles) : new TemporalMachine();
  const modelDone = new Map<number, number>();
  const boardDone = new Map<number, number>();
  let refused = 0;
  let previous = "";
  const produce = (until: number) => {
    for (let t = machine.nextTime(); t !== Infinity && t <= until; t = machine.nextTime()) {
      const e = machine.pop()!;
      if (e.kind === "done") modelDone.set(e.taskId, e.time);
    }
  };
  for (const { value: l } of trace.body) {
    const after = previous;
    previous = l.op;
    if (l.op === "arrive") machine.admit(l.task, profileFromJson(tasks.get(l.task)!.profile!));
    else if (l.op === "done") boardDone.set(l.task, l.t);
    else if (l.op === "place" || l.op === "resume" || l.op === "preempt" || l.op === "drop") {
      if (!COMMANDS.has(after)) produce(l.t);
      try {
        machine.apply(commandOf(l), l.t);
      } catch {
        refused++;
      }
    }
  }
  produce(Infinity);
  const deltas: number[] = [];
  for (const [id, t] of boardDone) {
    const m = modelDone.get(id);
    if (m !== undefined) deltas.push(Math.abs(m - t) / 1e6);
  }
  return {
    boardFinished: boardDone.size,
    modelFinished: deltas.length,
    finishDeltaMsP50: percentile(deltas, 50),
    finishDeltaMsMax: deltas.reduce((a, b) => Math.max(a, b), 0),
    refused,
  };
}
