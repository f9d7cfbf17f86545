// The schedule IR (docs/IR.md): one run as the stream of what went into the core and what came
// out of it — tasks arriving; PLACE, RESUME (epoch, stage -> tile list), PREEMPT and DROP; the
// board's stage and task completions — in time order, one JSON object per line. In the spirit of
// Yu et al.'s unified scheduling IR: `bench --trace` and `run --trace` record it, `replay`
// re-executes it on the accelerator model, and anything that reads a schedule reads this.
//
// Times `t` are ns: virtual time for a simulated run (clock "virtual"), board time for a run
// against a board (clock "board"). Every line is complete on its own: no line refers forward.

import type { Command } from "../../firmware-bridge/protocol/commands.js";
import type { TaskProfile } from "../../firmware-bridge/board/profile.js";
import type { Target } from "../formats/graphs.js";
import type { Metrics } from "../sim/metrics.js";

export const TRACE_FORMAT = "immsched-trace";
/** Bumped when a line changes meaning; a reader refuses versions it does not know. */
export const TRACE_VERSION = 1;

/** First line: what produced the trace and how to read its times. */
export interface HeaderLine {
  op: "header";
  format: typeof TRACE_FORMAT;
  version: number;
  /** `bench`: simulated, every board event comes from the model. `run`: a board reported them. */
  source: "bench" | "run";
  clock: "virtual" | "board";
  scenario: string;
  policy: string;
  seed: number;
  board: Target;
  /** Which accelerator model executes the commands: tile-spatial pipelines or layer-temporal. */
  machine: "spatial" | "temporal";
  tiles: number;
  /** bench: how decisions were charged (ns per work unit, or measured wall time). */
  nsPerWork?: number;
  decisionTime?: "work" | "measured";
  /** XRBench's own run is scored up to its last event (host/workloads/xrbench-run.ts xrbenchEndAt). */
  xrbench?: { lastFrameNs: number; tickNs: number };
  /** Model variants were on: arrive lines may carry the variant a task ran, the metrics accuracyLoss. */
  modelVariants?: true;
}

/** A task of the run, declared once before any line refers to it; declaration order is the metrics' task order. */
export interface TaskLine {
  op: "task";
  id: number;
  model: string;
  frame?: number;
  priority: number;
  arrivalNs: number;
  deadlineNs: number;
  after?: { model: string; frame: number };
  isolatedNs: number;
  isolatedEnergyPJ: number;
  /** How this sample actually runs on the board (bench traces; the model needs it to re-execute). */
  profile?: TaskProfileJson;
}

/** TaskProfile with its pipelines as an object keyed by stage count (JSON has no Map). */
export interface TaskProfileJson {
  layerNs: number[];
  layerEnergyPJ: number[];
  pipelines: Record<string, TaskProfile["pipelines"] extends Map<number, infer P> ? P : never>;
}

/** The task reached the board and the core (after waiting for its parent frame, if any). */
export interface ArriveLine {
  op: "arrive";
  t: number;
  task: number;
  /**
   * Model variants on: the variant chosen for the task at its arrival (host/core/variant-selector.ts),
   * the accuracy it costs (points) and, below full width, how this sample runs at that width.
   */
  variant?: { model: string; width: number; lossPoints: number; profile?: TaskProfileJson };
}

/** One call into the core at `t`: its work, wall time, and when its commands reach the board. */
export interface DecideLine {
  op: "decide";
  t: number;
  /** Commands ready (bench: t + work x nsPerWork, or the measured time); they follow at `ready`. */
  ready: number;
  work: number;
  micros: number;
  /** Tasks whose arrival this decision answers (arrival -> commands ready). */
  answers: number[];
}

export interface PlaceLine {
  op: "place" | "resume";
  t: number;
  epoch: number;
  task: number;
  stages: number;
  /** Tile of stage i at index i. */
  tiles: number[];
}

export interface PreemptLine {
  op: "preempt";
  t: number;
  epoch: number;
  task: number;
}

export interface DropLine {
  op: "drop";
  t: number;
  epoch: number;
  task: number;
  reason: Extract<Command, { kind: "drop" }>["reason"];
}

export type CommandLine = PlaceLine | PreemptLine | DropLine;

/** The board finished a stage (or layer) of a task. */
export interface StageLine {
  op: "stage";
  t: number;
  task: number;
  stage: number;
  busyNs: number;
}

/** The board finished a task; its energy. */
export interface DoneLine {
  op: "done";
  t: number;
  task: number;
  energyPJ: number;
}

/** The board's running energy total (run traces: TELEMETRY). */
export interface TelemetryLine {
  op: "telemetry";
  t: number;
  energyPJ: number;
}

/** A session with the board began (run traces: HELLO). */
export interface HelloLine {
  op: "hello";
  t: number;
  board: string;
  width: number;
  height: number;
}

/** A task that never ran because the frame it depends on was dropped or never came. */
export interface SkipLine {
  op: "skip";
  t: number;
  task: number;
  reason: "dependency";
}

/** Last line: the metrics the run reported, and host-measured times a replay takes as they are. */
export interface EndLine {
  op: "end";
  metrics: Metrics;
  /** run traces: per arrival, frame received -> commands sent (host wall time, ns). */
  hostArrivalToCommandNs?: number[];
}

export type TraceLine =
  | HeaderLine
  | TaskLine
  | ArriveLine
  | DecideLine
  | CommandLine
  | StageLine
  | DoneLine
  | TelemetryLine
  | HelloLine
  | SkipLine
  | EndLine;

/** A command line as the controller's Command. */
export function commandOf(l: CommandLine): Command {
  switch (l.op) {
    case "place":
    case "resume":
      return { kind: l.op, epoch: l.epoch, taskId: l.task, stages: l.stages, tiles: [...l.tiles] };
    case "preempt":
      return { kind: "preempt", epoch: l.epoch, taskId: l.task };
    case "drop":
      return { kind: "drop", epoch: l.epoch, taskId: l.task, reason: l.reason };
  }
}

/** A Command as its line at board time `t`. */
export function commandLine(c: Command, t: number): CommandLine {
  switch (c.kind) {
    case "place":
    case "resume":
      return { op: c.kind, t, epoch: c.epoch, task: c.taskId, stages: c.stages, tiles: [...c.tiles] };
    case "preempt":
      return { op: "preempt", t, epoch: c.epoch, task: c.taskId };
    case "drop":
      return { op: "drop", t, epoch: c.epoch, task: c.taskId, reason: c.reason };
  }
}

export function profileToJson(p: TaskProfile): TaskProfileJson {
  return { layerNs: p.layerNs, layerEnergyPJ: p.layerEnergyPJ, pipelines: Object.fromEntries(p.pipelines) };
}

export function profileFromJson(p: TaskProfileJson): TaskProfile {
  return {
    layerNs: p.layerNs,
    layerEnergyPJ: p.layerEnergyPJ,
    pipelines: new Map(Object.entries(p.pipelines).map(([k, v]) => [Number(k), v])),
  };
}
