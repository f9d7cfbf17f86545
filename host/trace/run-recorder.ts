// What `immsched run --trace FILE` records: the runtime's event stream (host/runtime/events.ts)
// as the schedule IR — arrivals, each call into the core, the commands sent, the board's stage and
// task reports, its energy (TELEMETRY), session starts — with the board's own times, plus what a
// replay cannot re-derive because the host measured it: arrival -> commands sent, in wall time.
// The file is written once the run is over, whole (write-atomic.ts).

import type { EventEmitter } from "node:events";
import { SPATIAL_POLICIES, type PolicyName } from "../core/controller.js";
import { tileCount } from "../formats/graphs.js";
import type { Metrics } from "../sim/metrics.js";
import type { TaskRecord } from "../sim/types.js";
import type { RuntimeEvent } from "../runtime/events.js";
import type { HostRuntimeEvents, RuntimeSummary } from "../runtime/host-runtime.js";
import { TraceWriter } from "./writer.js";
import { type TaskLine, TRACE_FORMAT, TRACE_VERSION, type TraceLine, commandLine, profileToJson } from "./ir.js";
import type { TaskProfile } from "../../firmware-bridge/board/profile.js";
import { variantModelName } from "../workloads/model-variants.js";

export interface RunTraceSource extends Pick<EventEmitter<HostRuntimeEvents>, "on"> {
  readonly summary: RuntimeSummary;
}

export interface RunTraceInfo {
  scenario: string;
  policy: PolicyName;
  seed: number;
  /** The mesh when the board never said HELLO. */
  mesh: { width: number; height: number };
  /** How each scenario task runs on the board (its profile goes in its task line, so a replay can run the model). */
  profiles?: ReadonlyMap<number, TaskProfile>;
  /** Model variants were on: arrive lines carry each task's width, the header says so. */
  modelVariants?: boolean;
}

function taskLine(r: Readonly<TaskRecord>, profile?: TaskProfile): TaskLine {
  return {
    op: "task",
    id: r.id,
    model: r.model,
    ...(r.frame !== undefined ? { frame: r.frame } : {}),
    priority: r.priority,
    arrivalNs: r.arrivalNs,
    deadlineNs: r.deadlineNs,
    isolatedNs: r.isolatedNs,
    isolatedEnergyPJ: r.isolatedEnergyPJ,
    ...(profile ? { profile: profileToJson(profile) } : {}),
  };
}

export class RunTraceRecorder {
  private readonly body: TraceLine[] = [];

  constructor(
    private readonly runtime: RunTraceSource,
    private readonly info: RunTraceInfo,
  ) {
    runtime.on("event", (e) => this.onEvent(e));
  }

  private onEvent(e: RuntimeEvent): void {
    const t = e.time;
    if ("arrival" in e) {
      // the runtime made the record (with its isolated references) just before it said so
      const rec = this.runtime.summary.records.get(e.arrival.id);
      if (!rec) return;
      const variant =
        rec.width !== undefined
          ? { variant: { model: variantModelName(rec.model, rec.width), width: rec.width, lossPoints: rec.accuracyLoss ?? 0 } }
          : {};
      this.body.push(taskLine(rec, this.info.profiles?.get(rec.id)), { op: "arrive", t, task: rec.id, ...variant });
    } else if ("decision" in e) {
      // commands go out within the same frame handler: ready when decided
      this.body.push({ op: "decide", t, ready: t, work: e.decision.work, micros: e.decision.micros, answers: [] });
    } else if ("command" in e) {
      this.body.push(commandLine(e.command, t));
    } else if ("board" in e) {
      const b = e.board;
      this.body.push(
        b.kind === "stage"
          ? { op: "stage", t: b.time, task: b.taskId, stage: b.stage, busyNs: b.measuredNs }
          : { op: "done", t: b.time, task: b.taskId, energyPJ: b.energyPJ },
      );
    } else if ("telemetry" in e) {
      this.body.push({ op: "telemetry", t, energyPJ: e.telemetry.energyPJ });
    } else if ("hello" in e) {
      this.body.push({ op: "hello", t, board: e.hello.board, width: e.hello.width, height: e.hello.height });
    }
  }

  /**
   * The whole trace: header, what was recorded, the tasks the board never raised because their
   * frame's parent was dropped (`skipped`, as the run's summary counts them), and the end line
   * with the metrics the run reported.
   */
  finish(metrics: Metrics, skipped: readonly TaskRecord[]): TraceWriter {
    const run = this.runtime.summary;
    const hello = run.hello;
    const board = hello
      ? { mesh: { width: hello.meshWidth, height: hello.meshHeight, torus: (hello.flags & 1) !== 0 } }
      : { mesh: { width: this.info.mesh.width, height: this.info.mesh.height, torus: false } };
    const w = new TraceWriter();
    w.push({
      op: "header",
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      source: "run",
      clock: "board",
      scenario: this.info.scenario,
      policy: this.info.policy,
      seed: this.info.seed,
      board,
      machine: SPATIAL_POLICIES.has(this.info.policy) ? "spatial" : "temporal",
      tiles: tileCount(board),
      ...(this.info.modelVariants ? { modelVariants: true as const } : {}),
    });
    for (const l of this.body) w.push(l);
    for (const r of skipped) {
      w.push(taskLine(r));
      w.push({ op: "skip", t: run.lastNs, task: r.id, reason: "dependency" });
    }
    w.push({ op: "end", metrics, hostArrivalToCommandNs: [...run.arrivalToCommandNs] });
    return w;
  }
}
