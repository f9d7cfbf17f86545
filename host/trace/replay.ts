// `immsched replay`'s engine: a schedule trace (docs/IR.md) executed again, without the core.
//
// clock "virtual" (bench): the accelerator model (firmware-bridge/board/machine.ts) receives each
// task and each command at its recorded time and produces the stage and task completions itself,
// in the simulator's order (a board event at or before a command's time goes first, as in
// host/sim/simulate.ts); every completion must equal the one the trace recorded, else the replay
// stops at that line (the model and the trace diverge). The records and the log are rebuilt as the
// simulator builds them, so the metrics come out bit for bit.
//
// clock "board" (run): a real board executed the commands, so its completions, energies and the
// host's measured arrival -> command times are taken from the trace, and the records are rebuilt
// as host/runtime/host-runtime.ts builds them.

import { SpatialMachine, TemporalMachine, type BoardEvent, type Machine } from "../../firmware-bridge/board/machine.js";
import { computeMetrics, reportedMetricNames, type Metrics } from "../sim/metrics.js";
import { emptyRunLog, notePlacement, recordOf } from "../sim/records.js";
import type { RunLog, TaskRecord } from "../sim/types.js";
import { xrbenchEndAt } from "../workloads/xrbench-run.js";
import { InputError } from "../formats/input-error.js";
import { type CommandLine, type DoneLine, type StageLine, type TaskLine, commandOf, profileFromJson } from "./ir.js";
import type { Trace } from "./reader.js";
import { type ModelCheck, checkAgainstModel } from "./model-check.js";

export interface ReplayResult {
  metrics: Metrics;
  log: RunLog;
  /** What the trace's end line says the run reported. */
  recorded: Metrics;
  /** Metrics whose replayed value differs from the recorded one in any bit (empty: reproduced). */
  differ: Array<keyof Metrics>;
  /** Commands applied, board events produced (virtual) or read (board). */
  commands: number;
  boardEvents: number;
  /** Board traces with every task's profile: the same commands on the accelerator model, its finishes beside the board's. */
  model?: ModelCheck;
}

function recordOfLine(l: TaskLine): TaskRecord {
  return recordOf({
    id: l.id,
    model: l.model,
    frame: l.frame,
    priority: l.priority,
    arrivalNs: l.arrivalNs,
    deadlineNs: l.deadlineNs,
    isolatedNs: l.isolatedNs,
    isolatedEnergyPJ: l.isolatedEnergyPJ,
  });
}

/** Re-executes a trace and compares its metrics with the recorded ones. */
export function replayTrace(trace: Trace): ReplayResult {
  const out = trace.header.clock === "virtual" ? replayOnModel(trace) : replayBoardTimes(trace);
  const metrics = computeMetrics(
    out.log,
    trace.header.xrbench ? xrbenchEndAt(trace.header.xrbench.lastFrameNs, trace.header.xrbench.tickNs, out.log) : undefined,
  );
  const recorded = trace.end.metrics;
  const names = new Set([...reportedMetricNames(recorded), ...reportedMetricNames(metrics)]);
  const differ = [...names].filter((k) => !Object.is(metrics[k], recorded[k]));
  const model = trace.header.clock === "board" ? checkAgainstModel(trace) : undefined;
  return { metrics, log: out.log, recorded, differ, commands: out.commands, boardEvents: out.boardEvents, ...(model ? { model } : {}) };
}

const COMMAND_OPS: ReadonlySet<string> = new Set(["place", "resume", "preempt", "drop"]);

type Replayed = { log: RunLog; commands: number; boardEvents: number };

function sameEvent(e: BoardEvent, l: StageLine | DoneLine): boolean {
  if (e.taskId !== l.task || !Object.is(e.time, l.t)) return false;
  if (e.kind === "stage") return l.op === "stage" && e.stage === l.stage && Object.is(e.measuredNs, l.busyNs);
  return l.op === "done" && Object.is(e.energyPJ, l.energyPJ);
}

function describeEvent(e: BoardEvent): string {
  return e.kind === "stage"
    ? `stage ${e.stage} of task ${e.taskId} done at ${e.time} ns (busy ${e.measuredNs})`
    : `task ${e.taskId} done at ${e.time} ns (${e.energyPJ} pJ)`;
}

/** clock "virtual": the accelerator model executes the command stream in virtual time. */
function replayOnModel(trace: Trace): Replayed {
  const machine: Machine = trace.header.machine === "spatial" ? new SpatialMachine(trace.header.tiles) : new TemporalMachine();
  const log = emptyRunLog();
  const records = new Map<number, TaskRecord>();
  const tasks = new Map<number, TaskLine>();
  const admittedAt = new Map<number, number>();
  // the recorded completions not yet produced by the model, in the order the run saw them
  const expected: Array<{ line: number; value: StageLine | DoneLine }> = [];
  let next = 0;
  let first = Infinity;
  let last = 0;
  let commands = 0;
  let boardEvents = 0;

  const produce = (until: number) => {
    for (let t = machine.nextTime(); t !== Infinity && t <= until; t = machine.nextTime()) {
      const e = machine.pop()!;
      boardEvents++;
      const want = expected[next];
      if (!want || !sameEvent(e, want.value)) {
        const where = want ? { file: trace.file, line: want.line } : { file: trace.file, line: trace.endLine };
        throw new InputError(
          `replay diverges: the accelerator model reports ${describeEvent(e)}, the trace ${want ? `says ${JSON.stringify(want.value)}` : "has no such event"}`,
          where,
        );
      }
      next++;
      last = Math.max(last, e.time);
      if (e.kind === "done") {
        const rec = records.get(e.taskId)!;
        rec.finishNs = e.time;
        rec.energyPJ = e.energyPJ;
      }
    }
  };

  let previous = "";
  for (const { line, value: l } of trace.body) {
    const after = previous;
    previous = l.op;
    switch (l.op) {
      case "task":
        tasks.set(l.id, l);
        records.set(l.id, recordOfLine(l));
        first = Math.min(first, l.arrivalNs);
        // the simulator takes every arrival off its queue at its time, held or not
        last = Math.max(last, l.arrivalNs);
        break;
      case "arrive": {
        const v = l.variant;
        if (v) noteVariant(records.get(l.task)!, v);
        machine.admit(l.task, profileFromJson(v?.profile ?? tasks.get(l.task)!.profile!));
        admittedAt.set(l.task, l.t);
        break;
      }
      case "decide":
        log.decisionWork.push(l.work);
        log.decisionWallMicros.push(l.micros);
        for (const id of l.answers) {
          const at = admittedAt.get(id);
          if (at === undefined) throw new InputError(`decision answers task ${id}, which has not arrived`, { file: trace.file, line });
          log.arrivalToCommandNs.push(l.ready - at);
        }
        last = Math.max(last, l.ready);
        break;
      case "stage":
      case "done":
        expected.push({ line, value: l });
        break;
      case "skip":
        records.get(l.task)!.dropped = "dependency";
        last = Math.max(last, l.t);
        break;
      case "place":
      case "resume":
      case "preempt":
      case "drop":
        // the simulator applies one decision's commands back to back and lets the board move only
        // between deliveries; a board event between two deliveries would be a line between them
        if (!COMMAND_OPS.has(after)) produce(l.t);
        applyCommand(l, records, log, trace, line);
        try {
          machine.apply(commandOf(l), l.t);
        } catch (err) {
          throw new InputError(`the accelerator model refuses the command: ${(err as Error).message}`, { file: trace.file, line });
        }
        commands++;
        last = Math.max(last, l.t);
        break;
      case "telemetry":
      case "hello":
        break;
    }
  }
  produce(Infinity);
  if (next < expected.length) {
    const miss = expected[next]!;
    throw new InputError(`replay diverges: the trace records ${JSON.stringify(miss.value)}, the accelerator model never produces it`, {
      file: trace.file,
      line: miss.line,
    });
  }
  log.tasks = [...records.values()];
  log.energyPJ = machine.totalEnergyPJ;
  if (trace.header.modelVariants) log.modelVariants = true;
  log.spanNs = Math.max(0, last - (first === Infinity ? 0 : first));
  return { log, commands, boardEvents };
}

/** The model variant a task ran (arrive line): its width and the accuracy it cost, as the simulator notes them. */
function noteVariant(rec: TaskRecord, v: { width: number; lossPoints: number }): void {
  rec.width = v.width;
  rec.accuracyLoss = v.lossPoints;
}

/** A command's effect on the records: as the simulator (and the runtime) note it. */
function applyCommand(l: CommandLine, records: Map<number, TaskRecord>, log: RunLog, trace: Trace, line: number): void {
  const rec = records.get(l.task);
  if (!rec) throw new InputError(`command for task ${l.task}, which was never declared`, { file: trace.file, line });
  if (l.op === "drop") {
    if (!rec.dropped && (trace.header.clock === "virtual" || rec.finishNs === undefined)) rec.dropped = l.reason;
  } else if (l.op === "preempt") {
    rec.preemptions++;
    log.preemptions++;
  } else if (notePlacement(rec, commandOf(l) as Parameters<typeof notePlacement>[1], l.t)) {
    log.resizes++;
  }
}

/** clock "board": the board's reported completions and the host's measured times, taken from the trace. */
function replayBoardTimes(trace: Trace): Replayed {
  const log = emptyRunLog();
  const records = new Map<number, TaskRecord>();
  let session = false;
  let firstNs = Infinity;
  let lastNs = 0;
  let lastEnergyPJ = 0;
  let commands = 0;
  let boardEvents = 0;
  for (const { line, value: l } of trace.body) {
    switch (l.op) {
      case "task":
        records.set(l.id, recordOfLine(l));
        break;
      case "hello":
        session = true;
        break;
      case "arrive":
        if (l.variant) noteVariant(records.get(l.task)!, l.variant);
        firstNs = Math.min(firstNs, records.get(l.task)!.arrivalNs);
        // the runtime's clock moves only with a controller (a session) to hand the event to
        if (session) lastNs = Math.max(lastNs, l.t);
        break;
      case "stage":
        boardEvents++;
        lastNs = Math.max(lastNs, l.t);
        break;
      case "done": {
        boardEvents++;
        const rec = records.get(l.task)!;
        rec.finishNs = l.t;
        rec.energyPJ = l.energyPJ;
        lastNs = Math.max(lastNs, l.t);
        break;
      }
      case "telemetry":
        lastEnergyPJ = l.energyPJ;
        break;
      case "decide":
        log.decisionWork.push(l.work);
        log.decisionWallMicros.push(l.micros);
        break;
      case "skip":
        records.get(l.task)!.dropped = "dependency";
        break;
      case "place":
      case "resume":
      case "preempt":
      case "drop":
        applyCommand(l, records, log, trace, line);
        commands++;
        break;
    }
  }
  log.tasks = [...records.values()];
  log.arrivalToCommandNs = trace.end.hostArrivalToCommandNs ?? [];
  if (trace.header.modelVariants) log.modelVariants = true;
  // as HostRuntime.runLog: the latest event the controller saw, or a later reported finish
  let last = Math.max(lastNs, firstNs === Infinity ? 0 : firstNs);
  for (const t of log.tasks) if (t.finishNs !== undefined && t.finishNs > last) last = t.finishNs;
  log.energyPJ = Math.max(
    lastEnergyPJ,
    log.tasks.reduce((s, t) => s + (t.energyPJ ?? 0), 0),
  );
  log.spanNs = Math.max(0, last - (firstNs === Infinity ? 0 : firstNs));
  return { log, commands, boardEvents };
}
