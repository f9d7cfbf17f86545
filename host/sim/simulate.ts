// The virtual-time simulator behind `immsched bench`: the real core (controller and policy in
// Wasm) drives the board model (firmware-bridge/board) through the same commands and events the
// wire protocol carries, on one event queue.
//
// Decisions cost time: the core is one sequential controller, busy for work x nsPerWork after each
// event (or for the measured wall time of the call), and its commands reach the board only then.
// An event that happens while the core is busy waits for it.

import { notePlacement } from "./records.js";
import { Controller, SPATIAL_POLICIES, type ModelEntry, type PolicyName } from "../core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";
import { EventHeap } from "../../firmware-bridge/board/event-heap.js";
import { FrameDependencies } from "../../firmware-bridge/board/frame-dependencies.js";
import { type Machine, SpatialMachine, TemporalMachine, type BoardEvent } from "../../firmware-bridge/board/machine.js";
import type { Target } from "../formats/graphs.js";
import { tileCount } from "../formats/graphs.js";
import type { RunLog, TaskArrival, TaskRecord } from "./types.js";

export interface SimOptions {
  policy: PolicyName;
  board: Target;
  models: ModelEntry[];
  arrivals: TaskArrival[];
  seed?: number;
  /** Work budget of one placement solve. */
  solveBudget?: number;
  /** Time one unit of core work takes on the board's controller (ns). */
  nsPerWork: number;
  /** Charge decisions by deterministic work (default) or by the measured wall time of the call. */
  decisionTime?: "work" | "measured";
  /** Check the controller's invariants after every event (tests). */
  checkInvariants?: boolean;
  wasmPath?: string;
  /** Fixed sizing for every policy (Controller's fixedSizing: an ablation of elastic sizing). */
  fixedSizing?: boolean;
  /** xrbench policy: XRBench's base tick (ns), host/workloads/xrbench-run.ts. */
  tickNs?: number;
  /** Called for every command and board event, in time order (live views, traces). */
  observe?: (
    e: { time: number } & (
      | { command: Command }
      | { board: BoardEvent }
      | { arrival: TaskArrival }
      | { decision: { micros: number; work: number } }
    ),
  ) => void;
}

type SimEvent = { kind: "arrival"; task: TaskArrival } | { kind: "deliver"; commands: Command[]; arrivals: number[] };

export async function simulate(opts: SimOptions): Promise<RunLog> {
  const ctl = await Controller.create({
    board: opts.board,
    policy: opts.policy,
    models: opts.models,
    solveBudget: opts.solveBudget,
    seed: opts.seed,
    wasmPath: opts.wasmPath,
    tickNs: opts.tickNs,
    fixedSizing: opts.fixedSizing,
  });
  const machine: Machine = SPATIAL_POLICIES.has(opts.policy) ? new SpatialMachine(tileCount(opts.board)) : new TemporalMachine();
  const queue = new EventHeap<SimEvent>();
  const records = new Map<number, TaskRecord>();
  const arrivalTime = new Map<number, number>();
  // a task's frame state is that of its record
  const deps = new FrameDependencies<TaskArrival>((a) => {
    const r = records.get(a.id)!;
    return r.dropped ? "dropped" : r.finishNs === undefined ? "open" : "ended";
  });
  const log: RunLog = {
    tasks: [],
    arrivalToCommandNs: [],
    decisionWork: [],
    decisionWallMicros: [],
    energyPJ: 0,
    spanNs: 0,
    preemptions: 0,
    resizes: 0,
  };
  let coreFreeAt = 0;
  let first = Infinity;
  let last = 0;

  for (const a of opts.arrivals) {
    const rec: TaskRecord = {
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
    if (records.has(a.id)) throw new Error(`workload: task id ${a.id} appears twice`);
    records.set(a.id, rec);
    deps.register(a);
    queue.push(a.arrivalNs, { kind: "arrival", task: a });
    first = Math.min(first, a.arrivalNs);
  }

  const check = () => {
    if (opts.checkInvariants) {
      const code = ctl.invariants();
      if (code !== 0) throw new Error(`controller invariant ${code} broken under ${opts.policy}`);
    }
  };

  /** Charges a decision's time, then queues its commands for delivery to the board. */
  const decided = (d: { commands: Command[]; work: number; micros: number }, at: number, arrivals: number[]) => {
    const cost = opts.decisionTime === "measured" ? d.micros * 1000 : d.work * opts.nsPerWork;
    coreFreeAt = at + cost;
    log.decisionWork.push(d.work);
    log.decisionWallMicros.push(d.micros);
    opts.observe?.({ time: at, decision: { micros: d.micros, work: d.work } });
    check();
    queue.push(coreFreeAt, { kind: "deliver", commands: d.commands, arrivals });
  };

  const admit = (a: TaskArrival, t: number) => {
    machine.admit(a.id, a.profile);
    opts.observe?.({ time: t, arrival: a });
    const at = Math.max(t, coreFreeAt);
    arrivalTime.set(a.id, t);
    decided(ctl.arrival(a, at), at, [a.id]);
  };

  /** A frame ended: its held children run, or are dropped with it. */
  const release = (parent: { model: string; frame?: number }, t: number, parentDropped: boolean) => {
    for (const c of deps.release(parent, parentDropped)) {
      if (parentDropped) markDependencyDrop(c, t);
      else admit(c, t);
    }
  };

  const markDependencyDrop = (a: TaskArrival, t: number) => {
    records.get(a.id)!.dropped = "dependency";
    last = Math.max(last, t);
  };

  const dropDependent = (a: TaskArrival, t: number) => {
    markDependencyDrop(a, t);
    release(a, t, true);
  };

  for (;;) {
    const tBoard = machine.nextTime();
    const tSim = queue.peekTime();
    if (tBoard === Infinity && tSim === Infinity) break;
    if (tBoard <= tSim) {
      const e = machine.pop()!;
      opts.observe?.({ time: e.time, board: e });
      last = Math.max(last, e.time);
      const at = Math.max(e.time, coreFreeAt);
      if (e.kind === "stage") {
        decided(ctl.stageDone(e.taskId, e.stage, e.measuredNs, at), at, []);
      } else {
        const rec = records.get(e.taskId)!;
        rec.finishNs = e.time;
        rec.energyPJ = e.energyPJ;
        // XRBench checks a frame's dependency in the same event that completes its parent
        // (HET_runtime.hpp), so under its policy the dependents are queued before that decision
        if (opts.policy === "xrbench") release(rec, e.time, false);
        decided(ctl.taskDone(e.taskId, at), at, []);
        if (opts.policy !== "xrbench") release(rec, e.time, false);
      }
      continue;
    }
    const { time: t, value: ev } = queue.pop()!;
    last = Math.max(last, t);
    if (ev.kind === "arrival") {
      const a = ev.task;
      const fate = deps.arrive(a, a.after);
      if (fate === "drop") dropDependent(a, t);
      else if (fate === "run") admit(a, t);
      continue;
    }
    for (const id of ev.arrivals) log.arrivalToCommandNs.push(t - arrivalTime.get(id)!);
    for (const cmd of ev.commands) {
      opts.observe?.({ time: t, command: cmd });
      const rec = records.get(cmd.taskId);
      if (cmd.kind === "drop") {
        if (rec && !rec.dropped) {
          rec.dropped = cmd.reason;
          release(rec, t, true);
        }
      } else if (cmd.kind === "preempt") {
        if (rec) rec.preemptions++;
        log.preemptions++;
      } else if (rec && notePlacement(rec, cmd, t)) {
        log.resizes++;
      }
      machine.apply(cmd, t);
    }
  }
  // a child whose parent never arrived (a probability draw skipped it) still waits: it was never run
  for (const c of deps.held()) records.get(c.id)!.dropped = "dependency";

  log.tasks = [...records.values()];
  log.energyPJ = machine.totalEnergyPJ;
  log.spanNs = Math.max(0, last - (first === Infinity ? 0 : first));
  return log;
}
