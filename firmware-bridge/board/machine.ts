// The accelerator as a device that executes the controller's commands (docs/ARCHITECTURE.md "Cost model"):
// clock-agnostic, it only sees times (ns) passed in, so the same model runs in virtual time
// (immsched bench) and in wall time (immsched board).
//
// Layer-temporal: one task holds the whole array and runs layer by layer; a PREEMPT takes effect
// at the end of the layer in flight (activations already live in DRAM, so switching is free) and
// the array then runs whatever was placed next.
// Tile-spatial: each task runs as a pipeline on its own tiles. A PREEMPT stops the pipeline at
// the next beat (a stage boundary for every stage at once), then the live activations are
// checkpointed to DRAM; the tiles free only when that is done, and a task placed on them waits
// for it. A RESUME restores the checkpoint first, then continues where the task stopped.

import { EventHeap } from "./event-heap.js";
import type { PipelineProfile, TaskProfile } from "./profile.js";
import type { Command } from "../protocol/commands.js";

export type BoardEvent =
  | { kind: "stage"; taskId: number; stage: number; measuredNs: number; time: number }
  | { kind: "done"; taskId: number; time: number; energyPJ: number };

export interface Machine {
  /** Applies a command at time `now`; the task's profile must have been registered. */
  apply(cmd: Command, now: number): void;
  /** Registers what a task will cost when it runs (at its arrival). */
  admit(taskId: number, profile: TaskProfile): void;
  /** Time of the next event, Infinity when nothing runs. */
  nextTime(): number;
  /** Removes and returns the next event (call when nextTime() <= now). */
  pop(): BoardEvent | undefined;
  /** Tasks running now (for telemetry). */
  running(): number[];
  /** Energy spent so far on checkpoints (pJ). */
  readonly checkpointEnergyPJ: number;
  /** Energy spent so far on everything: layers, pipelines (also of tasks later dropped), checkpoints (pJ). */
  readonly totalEnergyPJ: number;
  /** Commands that arrived for tasks already finished here. */
  readonly staleCommands: number;
  /** Forgets a task that ended long ago (a board left running keeps no per-task state forever). */
  forget(taskId: number): void;
  /**
   * Stops everything at `now` as if each running task were pre-empted, keeping what each has
   * done: a fleet board's new owner knows none of the old placements (all tiles free to it), and
   * a task it places again continues from where it stopped (PLACE or RESUME alike), not from its
   * first stage. Tiles free once their checkpoint is saved; a task too close to its end to stop
   * finishes where it runs.
   */
  suspend(now: number): void;
}

interface Pending {
  /** The task's token when it was scheduled: stale once the task is cancelled or forgotten. */
  token: object;
  event: BoardEvent;
}

/**
 * The last `cap` task ids added, older ones forgotten: a command that crossed a TASK_DONE comes
 * within a few frames of it, and a board that runs for months must not keep every id (the soak).
 */
class RecentIds {
  private readonly ring: Array<number | undefined>;
  private readonly set = new Set<number>();
  private at = 0;

  constructor(private readonly cap: number) {
    this.ring = new Array<number | undefined>(cap);
  }

  add(id: number): void {
    if (this.set.has(id)) return;
    const old = this.ring[this.at];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.at] = id;
    this.at = (this.at + 1) % this.cap;
    this.set.add(id);
  }

  has(id: number): boolean {
    return this.set.has(id);
  }

  /** Forgets one id now (its ring slot is reused later). */
  delete(id: number): void {
    this.set.delete(id);
  }
}

abstract class EventMachine {
  protected heap = new EventHeap<Pending>();
  /** Per task with events pending: a fresh object at every cancel, deleted when the task ends. */
  protected tokens = new Map<number, object>();
  protected profiles = new Map<number, TaskProfile>();
  checkpointEnergyPJ = 0;
  totalEnergyPJ = 0;
  /** Commands for tasks that already finished here (they crossed the TASK_DONE): ignored, counted. */
  staleCommands = 0;
  protected finished = new RecentIds(4096);

  admit(taskId: number, profile: TaskProfile): void {
    this.profiles.set(taskId, profile);
  }

  forget(taskId: number): void {
    this.finished.delete(taskId);
  }

  protected profile(taskId: number): TaskProfile {
    const p = this.profiles.get(taskId);
    if (!p) throw new Error(`board: task ${taskId} has no profile (command before arrival)`);
    return p;
  }

  protected schedule(taskId: number, time: number, event: BoardEvent): void {
    let token = this.tokens.get(taskId);
    if (!token) {
      token = {};
      this.tokens.set(taskId, token);
    }
    this.heap.push(time, { token, event });
  }

  /** The task ended here: nothing of it stays (any event still queued for it is stale). */
  protected release(taskId: number): void {
    this.tokens.delete(taskId);
    this.profiles.delete(taskId);
  }

  /** Invalidates every event scheduled for the task so far. */
  protected cancel(taskId: number): void {
    if (this.tokens.has(taskId)) this.tokens.set(taskId, {});
  }

  private skipStale(): void {
    for (let top = this.heap.peek(); top; top = this.heap.peek()) {
      if (top.value.token === this.tokens.get(top.value.event.taskId)) return;
      this.heap.pop();
    }
  }

  nextTime(): number {
    this.skipStale();
    return this.heap.peekTime();
  }

  pop(): BoardEvent | undefined {
    this.skipStale();
    const e = this.heap.pop();
    if (!e) return undefined;
    this.onEvent(e.value.event);
    return e.value.event;
  }

  protected abstract onEvent(e: BoardEvent): void;
}

/** Layer-temporal execution: one task on the whole array, switching at layer boundaries. */
export class TemporalMachine extends EventMachine implements Machine {
  private current: number | null = null;
  private stopAtBoundary = false;
  private readonly waitingNext: number[] = [];
  private readonly layerDone = new Map<number, number>();
  private readonly energy = new Map<number, number>();

  running(): number[] {
    return this.current === null ? [] : [this.current];
  }

  apply(cmd: Command, now: number): void {
    if (this.finished.has(cmd.taskId)) {
      this.staleCommands++;
      return;
    }
    switch (cmd.kind) {
      case "place":
      case "resume":
        this.profile(cmd.taskId);
        if (this.current === null) this.start(cmd.taskId, now);
        else if (this.current === cmd.taskId) this.stopAtBoundary = false;
        else if (!this.waitingNext.includes(cmd.taskId)) this.waitingNext.push(cmd.taskId);
        break;
      case "preempt":
        if (this.current === cmd.taskId) this.stopAtBoundary = true;
        else this.remove(cmd.taskId);
        break;
      case "drop":
        this.remove(cmd.taskId);
        if (this.current === cmd.taskId) this.stopAtBoundary = true;
        break;
    }
  }

  suspend(_now: number): void {
    // the layer in flight ends (and is reported) at its boundary; nothing starts after it unless placed again
    this.waitingNext.length = 0;
    if (this.current !== null) this.stopAtBoundary = true;
  }

  private remove(taskId: number): void {
    const i = this.waitingNext.indexOf(taskId);
    if (i >= 0) this.waitingNext.splice(i, 1);
  }

  private start(taskId: number, now: number): void {
    const p = this.profile(taskId);
    const layer = this.layerDone.get(taskId) ?? 0;
    this.current = taskId;
    this.stopAtBoundary = false;
    const ns = p.layerNs[layer]!;
    this.schedule(taskId, now + ns, { kind: "stage", taskId, stage: layer, measuredNs: ns, time: now + ns });
  }

  protected onEvent(e: BoardEvent): void {
    if (e.kind === "done") {
      this.release(e.taskId);
      this.finished.add(e.taskId);
      return;
    }
    const p = this.profile(e.taskId);
    const done = e.stage + 1;
    this.layerDone.set(e.taskId, done);
    this.energy.set(e.taskId, (this.energy.get(e.taskId) ?? 0) + p.layerEnergyPJ[e.stage]!);
    this.totalEnergyPJ += p.layerEnergyPJ[e.stage]!;
    if (done === p.layerNs.length) {
      this.current = null;
      this.schedule(e.taskId, e.time, { kind: "done", taskId: e.taskId, time: e.time, energyPJ: this.energy.get(e.taskId)! });
      this.layerDone.delete(e.taskId);
      this.energy.delete(e.taskId);
      this.startNext(e.time);
    } else if (this.stopAtBoundary) {
      this.current = null;
      this.startNext(e.time);
    } else {
      this.start(e.taskId, e.time);
    }
  }

  private startNext(now: number): void {
    const next = this.waitingNext.shift();
    if (next !== undefined) this.start(next, now);
  }
}

interface Segment {
  profile: PipelineProfile;
  tiles: number[];
  /** Pipeline time already done before this segment (ns). */
  before: number;
  /** When this segment's pipeline time starts counting (after waiting for tiles and restoring). */
  t0: number;
}

/** Tile-spatial execution: each task a pipeline on its own tiles. */
export class SpatialMachine extends EventMachine implements Machine {
  private readonly freeAt: number[];
  private readonly holder: number[];
  private readonly segments = new Map<number, Segment>();
  /** Where a pre-empted task stopped: ns into the pipeline it ran on, and that pipeline's length. */
  private readonly saved = new Map<number, { ns: number; totalNs: number }>();
  private readonly energy = new Map<number, number>();

  constructor(tiles: number) {
    super();
    this.freeAt = new Array<number>(tiles).fill(0);
    this.holder = new Array<number>(tiles).fill(-1);
  }

  running(): number[] {
    return [...this.segments.keys()];
  }

  /** Owner of every tile (-1 free), as the board sees it. */
  tileHolders(): readonly number[] {
    return this.holder;
  }

  apply(cmd: Command, now: number): void {
    if (this.finished.has(cmd.taskId)) {
      this.staleCommands++;
      return;
    }
    switch (cmd.kind) {
      case "place":
      case "resume":
        // a task still running here (its PREEMPT came too late to stop it) is not started twice
        if (this.segments.has(cmd.taskId)) {
          this.staleCommands++;
          return;
        }
        // a task with a checkpoint here continues from it, also when placed (a new owner after suspend())
        this.start(cmd.taskId, cmd.stages, cmd.tiles, now, cmd.kind === "resume" || this.saved.has(cmd.taskId));
        break;
      case "preempt":
        this.preempt(cmd.taskId, now);
        break;
      case "drop":
        this.saved.delete(cmd.taskId);
        this.profiles.delete(cmd.taskId);
        break;
    }
  }

  private start(taskId: number, k: number, tiles: number[], now: number, resume: boolean): void {
    const profile = this.profile(taskId).pipelines.get(k);
    if (!profile) throw new Error(`board: task ${taskId} has no ${k}-stage pipeline`);
    let start = now;
    for (const t of tiles) {
      const h = this.holder[t];
      if (h === undefined) throw new Error(`board: tile ${t} does not exist`);
      if (h !== -1 && h !== taskId) throw new Error(`board: tile ${t} placed for task ${taskId} is held by running task ${h}`);
      start = Math.max(start, this.freeAt[t]!);
    }
    for (const t of tiles) this.holder[t] = taskId;
    // a task may resume on another pipeline (elastic re-sizing): it keeps its share of the work done
    const stop = resume ? this.saved.get(taskId) : undefined;
    const before = !stop ? 0 : stop.totalNs === profile.totalNs ? stop.ns : (stop.ns / stop.totalNs) * profile.totalNs;
    const t0 = start + (resume && before > 0 ? profile.checkpointNs : 0);
    if (resume && before > 0) this.addEnergy(taskId, profile.checkpointEnergyPJ);
    this.saved.delete(taskId);
    this.segments.set(taskId, { profile, tiles, before, t0 });
    this.cancel(taskId);
    profile.stageDoneNs.forEach((at, stage) => {
      if (at > before) {
        const time = t0 + at - before;
        this.schedule(taskId, time, { kind: "stage", taskId, stage, measuredNs: profile.stageBusyNs[stage]!, time });
      }
    });
    const end = t0 + profile.totalNs - before;
    this.schedule(taskId, end, { kind: "done", taskId, time: end, energyPJ: 0 });
  }

  suspend(now: number): void {
    for (const taskId of [...this.segments.keys()]) this.preempt(taskId, now);
  }

  private preempt(taskId: number, now: number): void {
    const seg = this.segments.get(taskId);
    if (!seg) return; // already finished: the PREEMPT crossed its TASK_DONE
    const p = seg.profile;
    const elapsed = seg.before + Math.max(0, now - seg.t0);
    const boundary = Math.min(p.totalNs, Math.ceil(elapsed / p.beatNs) * p.beatNs);
    if (boundary >= p.totalNs) {
      // it finishes before it could stop: let it, and let whoever gets its tiles wait for that
      const end = seg.t0 + p.totalNs - seg.before;
      for (const t of seg.tiles) {
        this.holder[t] = -1;
        this.freeAt[t] = Math.max(this.freeAt[t]!, end);
      }
      return;
    }
    const stopAt = seg.t0 + boundary - seg.before;
    // keep the stage events between now and the stop, drop the rest; those up to now have been
    // reported already (events due by `now` are popped before a command at `now` applies)
    this.cancel(taskId);
    p.stageDoneNs.forEach((at, stage) => {
      const time = seg.t0 + at - seg.before;
      if (at > seg.before && at <= boundary && time > now) {
        this.schedule(taskId, time, { kind: "stage", taskId, stage, measuredNs: p.stageBusyNs[stage]!, time });
      }
    });
    this.addEnergy(taskId, (p.energyPJ * (boundary - seg.before)) / p.totalNs + p.checkpointEnergyPJ);
    this.checkpointEnergyPJ += p.checkpointEnergyPJ;
    const release = stopAt + p.checkpointNs;
    for (const t of seg.tiles) {
      this.holder[t] = -1;
      this.freeAt[t] = release;
    }
    this.saved.set(taskId, { ns: boundary, totalNs: p.totalNs });
    this.segments.delete(taskId);
  }

  private addEnergy(taskId: number, pj: number): void {
    this.energy.set(taskId, (this.energy.get(taskId) ?? 0) + pj);
    this.totalEnergyPJ += pj;
  }

  protected onEvent(e: BoardEvent): void {
    if (e.kind !== "done") return;
    const seg = this.segments.get(e.taskId)!;
    const p = seg.profile;
    this.addEnergy(e.taskId, (p.energyPJ * (p.totalNs - seg.before)) / p.totalNs);
    e.energyPJ = this.energy.get(e.taskId)!;
    for (const t of seg.tiles) {
      if (this.holder[t] !== e.taskId) continue; // already handed on (a late PREEMPT)
      this.holder[t] = -1;
      this.freeAt[t] = Math.max(this.freeAt[t]!, e.time);
    }
    this.finished.add(e.taskId);
    this.segments.delete(e.taskId);
    this.energy.delete(e.taskId);
    this.release(e.taskId);
  }
}
