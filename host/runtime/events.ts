// What a run reports as it goes: the runtime's event stream. It is the simulator's `observe` stream
// (host/sim/simulate.ts) plus a few run-level records, so a virtual-time run, a board over serial
// and a board over MQTT read the same way; the live monitor (host/monitor) consumes it as it is:
//
//   { time, arrival }   a task arrived (a TaskArrival fits: only the fields below are read)
//   { time, command }   the controller sent the board a command (place/resume/preempt/drop)
//   { time, board }     the board reported a stage boundary or a finished task
//   { time, hello }     a run started on a board: names it and gives the mesh size; resets the
//                       tile map, the recent tasks and the series (counters keep counting)
//   { time, decision }  one call into the core: its wall time (µs) and deterministic work units
//   { time, link }      the link's frame counters, CUMULATIVE since the link opened (a counter
//                       that goes down means the link restarted: the new value counts from zero)
//   { time, telemetry } the board's periodic TELEMETRY (power, temperature, queue): latest wins
//   { time, note }      a free-text line for the event log (link up/down, board offline, ...)
//
// `time` is board time in ns (virtual time in a simulation, the board's clock otherwise); nothing
// reads a wall clock to interpret events, so a replay shows the same picture.

import type { BoardEvent } from "../../firmware-bridge/board/machine.js";
import type { BoardArrival } from "../../firmware-bridge/board/profile.js";
import { type Command, type MessageOf, TEMP_UNKNOWN } from "../../firmware-bridge/protocol/index.js";

/** What an arrival event carries (host/sim/types.ts TaskArrival is assignable to it). */
export type ArrivalInfo = Pick<BoardArrival, "id" | "model" | "frame" | "priority" | "arrivalNs" | "deadlineNs"> & {
  /** Model variants on: the accuracy the width chosen for it costs, points (host/core/variant-selector.ts). */
  lossPoints?: number;
};

export interface HelloInfo {
  board: string;
  policy: string;
  width: number;
  height: number;
}

export interface LinkCounters {
  framesSent: number;
  framesReceived: number;
  framesRejected: number;
  retries: number;
}

export interface BoardTelemetry {
  /** Energy since the board booted (pJ). */
  energyPJ: number;
  powerMw: number;
  busyTiles: number;
  runningTasks: number;
  queuedTasks: number;
  /** null when the board has no sensor. */
  tempC: number | null;
}

export type RuntimeEvent = { time: number } & (
  | { arrival: ArrivalInfo }
  | { command: Command }
  | { board: BoardEvent }
  | { hello: HelloInfo }
  | { decision: { micros: number; work: number } }
  | { link: LinkCounters }
  | { telemetry: BoardTelemetry }
  | { note: { level: "info" | "warn" | "error"; text: string } }
);

/** What kind of event it is: the one key besides `time` (the monitor has one handler per kind). */
export type RuntimeEventKind = "arrival" | "command" | "board" | "hello" | "decision" | "link" | "telemetry" | "note";

const KINDS: readonly RuntimeEventKind[] = ["arrival", "command", "board", "hello", "decision", "link", "telemetry", "note"];

export function eventKind(e: RuntimeEvent): RuntimeEventKind {
  for (const k of KINDS) if (k in e) return k;
  throw new Error(`not a runtime event: ${JSON.stringify(e)}`);
}

// ---- from the wire: the board's reports as events (the runtime and the MQTT watcher) ----

export function stageEvent(m: MessageOf<"stage_done">): BoardEvent {
  return { kind: "stage", taskId: m.taskId, stage: m.stage, measuredNs: m.busyNs, time: m.boardTimeNs };
}

export function doneEvent(m: MessageOf<"task_done">): BoardEvent {
  return { kind: "done", taskId: m.taskId, time: m.boardTimeNs, energyPJ: m.energyPJ };
}

export function telemetryInfo(m: MessageOf<"telemetry">): BoardTelemetry {
  return {
    energyPJ: m.energyPJ,
    powerMw: m.powerMw,
    busyTiles: m.busyTiles,
    runningTasks: m.runningTasks,
    queuedTasks: m.queuedTasks,
    tempC: m.tempCentiC === TEMP_UNKNOWN ? null : m.tempCentiC / 100,
  };
}
