// The virtual-time simulator behind `immsched bench`: the real core (controller and policy in
// Wasm) drives the board model (firmware-bridge/board) through the same commands and events the
// wire protocol carries, on one event queue.
//
// Decisions cost time: the core is one sequential controller, busy for work x nsPerWork after each
// event (or for the measured wall time of the call), and its commands reach the board only then.
// An event that happens while the core is busy waits for it.

import { emptyRunLog, notePlacement, recordOf } from "./records.js";
import { Controller, type ControllerParams, SPATIAL_POLICIES, type ModelEntry, type PolicyName } from "../core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";
import { EventHeap } from "../../firmware-bridge/board/event-heap.js";
import { FrameDependencies } from "../../firmware-bridge/board/frame-dependencies.js";
import { type Machine, SpatialMachine, TemporalMachine, type BoardEvent } from "../../firmware-bridge/board/machine.js";
import type { Target } from "../formats/graphs.js";
import { tileCount } from "../formats/graphs.js";
import type { RunLog, TaskArrival, TaskRecord } from "./types.js";
import { commandLine, profileToJson, type TraceLine } from "../trace/ir.js";
import { type VariantChoice, VariantSelector } from "../core/variant-selector.js";
import type { TaskProfile } from "../../firmware-bridge/board/profile.js";

/** Model variants on (host/core/variant-selector.ts): per model its width variants, and how a task runs at one. */
export interface SimModelVariants {
  /** Per model, its variants widest first (their core models are in SimOptions.models). */
  choices: ReadonlyMap<string, readonly VariantChoice[]>;
  /** The profile task `a` runs with at variant `c` (its own sample at that width). */
  profileOf(a: TaskArrival, c: VariantChoice): TaskProfile;
}

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
  /** Controller knobs (tuned settings; default the core's). */
  params?: ControllerParams;
  /** Online tuning (tune/online.ts): told of every settled task, it may set knobs between events. */
  tuner?: { observe(t: { missed: boolean; antt: number }): ControllerParams | undefined };
  /** Called for every command and board event, in time order (live views, traces). */
  observe?: (
    e: { time: number } & (
      | { command: Command }
      | { board: BoardEvent }
      | { arrival: TaskArrival }
      | { decision: { micros: number; work: number } }
    ),
  ) => void;
  /**
   * Records the run as the schedule IR (host/trace/ir.ts, docs/IR.md): every task, arrival,
   * decision, command and board event, in the order this loop handles them, so `immsched replay`
   * can re-execute it. The caller writes the header and end lines.
   */
  trace?: (line: TraceLine) => void;
  /** Model variants: each task runs the variant VariantSelector picks at its arrival (the same step for every policy). */
  modelVariants?: SimModelVariants;
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
    params: opts.params,
  });
  return new Simulation(opts, ctl).run();
}

/** One run in virtual time: the core's decisions, the board model's events and the queue between them. */
class Simulation {
  private readonly machine: Machine;
  private readonly queue = new EventHeap<SimEvent>();
  private readonly records = new Map<number, TaskRecord>();
  private readonly arrivalTime = new Map<number, number>();
  private readonly deps: FrameDependencies<TaskArrival>;
  private readonly log: RunLog = emptyRunLog();
  /** When the core is free for its next decision: decisions take virtual time. */
  private coreFreeAt = 0;
  private first = Infinity;
  private last = 0;
  private readonly selector?: VariantSelector;

  constructor(
    private readonly opts: SimOptions,
    private readonly ctl: Controller,
  ) {
    this.machine = SPATIAL_POLICIES.has(opts.policy) ? new SpatialMachine(tileCount(opts.board)) : new TemporalMachine();
    // a task's frame state is that of its record
    this.deps = new FrameDependencies<TaskArrival>((a) => {
      const r = this.records.get(a.id)!;
      return r.dropped ? "dropped" : r.finishNs === undefined ? "open" : "ended";
    });
    if (opts.modelVariants) this.selector = new VariantSelector(opts.modelVariants.choices);
  }

  /** Runs until neither the board nor the queue has an event left; returns the run's log. */
  run(): RunLog {
    this.enqueueArrivals();
    for (;;) {
      const tBoard = this.machine.nextTime();
      const tSim = this.queue.peekTime();
      if (tBoard === Infinity && tSim === Infinity) break;
      if (tBoard <= tSim) this.onBoardEvent(this.machine.pop()!);
      else this.onQueued(this.queue.pop()!);
    }
    return this.finish();
  }

  /** A record per task, and every arrival on the queue at its time. */
  private enqueueArrivals(): void {
    for (const a of this.opts.arrivals) {
      const rec = recordOf(a);
      if (this.records.has(a.id)) throw new Error(`workload: task id ${a.id} appears twice`);
      this.records.set(a.id, rec);
      this.opts.trace?.({
        op: "task",
        id: a.id,
        model: a.model,
        ...(a.frame !== undefined ? { frame: a.frame } : {}),
        priority: a.priority,
        arrivalNs: a.arrivalNs,
        deadlineNs: a.deadlineNs,
        ...(a.after ? { after: a.after } : {}),
        isolatedNs: a.isolatedNs,
        isolatedEnergyPJ: a.isolatedEnergyPJ,
        profile: profileToJson(a.profile),
      });
      this.deps.register(a);
      this.queue.push(a.arrivalNs, { kind: "arrival", task: a });
      this.first = Math.min(this.first, a.arrivalNs);
    }
  }

  /** The board finished a stage (or layer) or a task: the core decides once it is free. */
  private onBoardEvent(e: BoardEvent): void {
    this.opts.observe?.({ time: e.time, board: e });
    this.opts.trace?.(
      e.kind === "stage"
        ? { op: "stage", t: e.time, task: e.taskId, stage: e.stage, busyNs: e.measuredNs }
        : { op: "done", t: e.time, task: e.taskId, energyPJ: e.energyPJ },
    );
    this.last = Math.max(this.last, e.time);
    const at = Math.max(e.time, this.coreFreeAt);
    if (e.kind === "stage") {
      this.decided(this.ctl.stageDone(e.taskId, e.stage, e.measuredNs, at), at, []);
      return;
    }
    const rec = this.records.get(e.taskId)!;
    this.selector?.ended(e.taskId);
    rec.finishNs = e.time;
    rec.energyPJ = e.energyPJ;
    this.settled(rec, e.time, e.time > rec.deadlineNs);
    // XRBench checks a frame's dependency in the same event that completes its parent
    // (HET_runtime.hpp), so under its policy the dependents are queued before that decision
    const xrbench = this.opts.policy === "xrbench";
    if (xrbench) this.release(rec, e.time, false);
    this.decided(this.ctl.taskDone(e.taskId, at), at, []);
    if (!xrbench) this.release(rec, e.time, false);
  }

  /** An arrival (held while its parent frame runs, dropped with it) or a decision's commands reaching the board. */
  private onQueued({ time: t, value: ev }: { time: number; value: SimEvent }): void {
    this.last = Math.max(this.last, t);
    if (ev.kind === "arrival") {
      const a = ev.task;
      const fate = this.deps.arrive(a, a.after);
      if (fate === "drop") this.dropDependent(a, t);
      else if (fate === "run") this.admit(a, t);
      return;
    }
    for (const id of ev.arrivals) this.log.arrivalToCommandNs.push(t - this.arrivalTime.get(id)!);
    for (const cmd of ev.commands) this.apply(cmd, t);
  }

  /** One command on the board at `t`, with what it means for the task's record. */
  private apply(cmd: Command, t: number): void {
    this.opts.observe?.({ time: t, command: cmd });
    this.opts.trace?.(commandLine(cmd, t));
    const rec = this.records.get(cmd.taskId);
    if (cmd.kind === "drop") {
      if (rec && !rec.dropped) {
        this.selector?.ended(cmd.taskId);
        rec.dropped = cmd.reason;
        this.settled(rec, t, true);
        this.release(rec, t, true);
      }
    } else if (cmd.kind === "preempt") {
      if (rec) rec.preemptions++;
      this.log.preemptions++;
    } else {
      this.selector?.started(cmd.taskId, t);
      if (rec && notePlacement(rec, cmd, t)) this.log.resizes++;
    }
    this.machine.apply(cmd, t);
  }

  /** Online tuning: the tuner hears of every task that ended and may set knobs before the next decision. */
  private settled(rec: TaskRecord, t: number, missed: boolean): void {
    const tuner = this.opts.tuner;
    if (!tuner) return;
    const p = tuner.observe({ missed, antt: (t - rec.arrivalNs) / Math.max(1, rec.isolatedNs) });
    if (p) this.ctl.setParams(p);
  }

  /** Charges a decision's time, then queues its commands for delivery to the board. */
  private decided(d: { commands: Command[]; work: number; micros: number }, at: number, arrivals: number[]): void {
    const cost = this.opts.decisionTime === "measured" ? d.micros * 1000 : d.work * this.opts.nsPerWork;
    this.coreFreeAt = at + cost;
    this.log.decisionWork.push(d.work);
    this.log.decisionWallMicros.push(d.micros);
    this.opts.observe?.({ time: at, decision: { micros: d.micros, work: d.work } });
    this.opts.trace?.({ op: "decide", t: at, ready: this.coreFreeAt, work: d.work, micros: d.micros, answers: arrivals });
    this.checkInvariants();
    this.queue.push(this.coreFreeAt, { kind: "deliver", commands: d.commands, arrivals });
  }

  private checkInvariants(): void {
    if (!this.opts.checkInvariants) return;
    const code = this.ctl.invariants();
    if (code !== 0) throw new Error(`controller invariant ${code} broken under ${this.opts.policy}`);
  }

  /** A task the board raised: to the board model, and to the core once it is free. */
  private admit(a: TaskArrival, t: number): void {
    // model variants: the variant is chosen as the task reaches the board; the board runs it and
    // the core sees it as its own model (the record keeps the model's name: frames, scores)
    const choice = this.selector?.choose(a, t);
    const profile = choice && choice.width !== 1 ? this.opts.modelVariants!.profileOf(a, choice) : a.profile;
    if (choice) {
      const rec = this.records.get(a.id)!;
      rec.width = choice.width;
      rec.accuracyLoss = choice.lossPoints;
    }
    this.machine.admit(a.id, profile);
    this.opts.observe?.({ time: t, arrival: a });
    this.opts.trace?.({
      op: "arrive",
      t,
      task: a.id,
      ...(choice
        ? {
            variant: {
              model: choice.model,
              width: choice.width,
              lossPoints: choice.lossPoints,
              ...(choice.width !== 1 ? { profile: profileToJson(profile) } : {}),
            },
          }
        : {}),
    });
    const at = Math.max(t, this.coreFreeAt);
    this.arrivalTime.set(a.id, t);
    this.decided(this.ctl.arrival(choice ? { ...a, model: choice.model } : a, at), at, [a.id]);
  }

  /** A frame ended: its held children run, or are dropped with it. */
  private release(parent: { model: string; frame?: number }, t: number, parentDropped: boolean): void {
    for (const c of this.deps.release(parent, parentDropped)) {
      if (parentDropped) this.markDependencyDrop(c, t);
      else this.admit(c, t);
    }
  }

  private markDependencyDrop(a: TaskArrival, t: number): void {
    this.records.get(a.id)!.dropped = "dependency";
    this.opts.trace?.({ op: "skip", t, task: a.id, reason: "dependency" });
    this.last = Math.max(this.last, t);
  }

  private dropDependent(a: TaskArrival, t: number): void {
    this.markDependencyDrop(a, t);
    this.release(a, t, true);
  }

  /** The log: every record, the board's energy, first arrival to last event. */
  private finish(): RunLog {
    // a child whose parent never arrived (a probability draw skipped it) still waits: it was never run
    for (const c of this.deps.held()) {
      this.records.get(c.id)!.dropped = "dependency";
      this.opts.trace?.({ op: "skip", t: this.last, task: c.id, reason: "dependency" });
    }
    this.log.tasks = [...this.records.values()];
    this.log.energyPJ = this.machine.totalEnergyPJ;
    if (this.opts.modelVariants) this.log.modelVariants = true;
    this.log.spanNs = Math.max(0, this.last - (this.first === Infinity ? 0 : this.first));
    return this.log;
  }
}
