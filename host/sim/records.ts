// What a placement command does to a task's record, for the simulator and the runtime alike.

import type { Command } from "../../firmware-bridge/protocol/commands.js";
import type { RunLog, TaskArrival, TaskRecord } from "./types.js";

/** A task's record as it arrives: what it is and its references, nothing settled yet. */
export function recordOf(a: Omit<TaskArrival, "profile">): TaskRecord {
  return {
    id: a.id,
    model: a.model,
    frame: a.frame,
    priority: a.priority,
    arrivalNs: a.arrivalNs,
    deadlineNs: a.deadlineNs,
    isolatedNs: a.isolatedNs,
    isolatedEnergyPJ: a.isolatedEnergyPJ,
    preemptions: 0,
  };
}

/**
 * Notes a PLACE or RESUME of the task at board time `t`: its first start, and the tiles it now
 * holds. Returns true when a RESUME puts it on another number of tiles than it had (an elastic
 * policy grew or shrank its pipeline: IMMSched's interruptible part at work).
 */
export function notePlacement(rec: TaskRecord, cmd: Extract<Command, { kind: "place" | "resume" }>, t: number): boolean {
  if (rec.startNs === undefined) rec.startNs = t;
  const resized = cmd.kind === "resume" && rec.tiles !== undefined && rec.tiles !== cmd.tiles.length;
  rec.tiles = cmd.tiles.length;
  return resized;
}

/** A run's log before anything happened (the simulator's and replay's starting point). */
export function emptyRunLog(): RunLog {
  return {
    tasks: [],
    arrivalToCommandNs: [],
    decisionWork: [],
    decisionWallMicros: [],
    energyPJ: 0,
    spanNs: 0,
    preemptions: 0,
    resizes: 0,
  };
}
