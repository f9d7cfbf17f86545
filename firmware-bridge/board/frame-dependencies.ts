// XRBench's frame dependencies (data/xrbench: a model's frame may need another model's result for
// the same input frame). One rule, followed by the virtual-time simulator (host/sim/simulate.ts),
// the virtual board (virtual-board.ts) and the run summary (host/commands/run.ts):
//   - a task whose parent frame was dropped is dropped ("dependency"), and so is everything held
//     behind it;
//   - a task whose parent frame is known but has not ended is held until it ends;
//   - otherwise (the parent finished, or no task names that frame) it runs.
//
// Terms: a task *names* a frame when it has a frame number; a task's *parent* is the task that
// names the frame of its `after`. The tracker does not own the tasks' state: `stateOf` reads it.

/** The frame a task depends on (BoardArrival.after). */
export interface FrameRef {
  model: string;
  frame: number;
}

/** What the tracker needs of a task: the frame it names, if any. */
export interface FrameTask {
  model: string;
  frame?: number;
}

/** Where a parent stands, as its children see it. */
export type FrameState = "open" | "ended" | "dropped";

/** What becomes of a task that depends on a frame. */
export type FrameFate = "run" | "wait" | "drop";

/** The key of a frame: a model's frame number. */
export const frameKey = (model: string, frame: number | undefined): string => `${model}#${frame}`;

export class FrameDependencies<T extends FrameTask> {
  private readonly frames = new Map<string, T>();
  private readonly waiting = new Map<string, T[]>();
  private count = 0;

  constructor(private readonly stateOf: (task: T) => FrameState) {}

  /** Makes `task` the parent of the tasks that name its frame in their `after` (a task without a frame is no one's parent). */
  register(task: T): void {
    if (task.frame !== undefined) this.frames.set(frameKey(task.model, task.frame), task);
  }

  /** Forgets `task` as a parent (it ended long before any task that could name its frame). */
  forget(task: T): void {
    const k = frameKey(task.model, task.frame);
    if (task.frame !== undefined && this.frames.get(k) === task) this.frames.delete(k);
  }

  /** The task that names `after`'s frame, if one was registered. */
  parent(after: FrameRef): T | undefined {
    return this.frames.get(frameKey(after.model, after.frame));
  }

  /** What becomes of a task that depends on `after` (none: it runs), by its parent's state now. */
  fate(after: FrameRef | undefined): FrameFate {
    const parent = after && this.parent(after);
    if (!parent) return "run";
    const state = this.stateOf(parent);
    return state === "dropped" ? "drop" : state === "open" ? "wait" : "run";
  }

  /** `fate`, and a task that must wait is held until its parent ends (release). */
  arrive(task: T, after: FrameRef | undefined): FrameFate {
    const fate = this.fate(after);
    if (fate === "wait") {
      const k = frameKey(after!.model, after!.frame);
      this.waiting.set(k, [...(this.waiting.get(k) ?? []), task]);
      this.count++;
    }
    return fate;
  }

  /**
   * `parent` ended: the tasks held on its frame, in the order they arrived, no longer held. When it
   * was dropped they are dropped with it, and so is every task held behind them: those follow each
   * one (depth first, the order a recursive drop visits them).
   */
  release(parent: FrameTask, dropped: boolean): T[] {
    if (parent.frame === undefined) return [];
    const k = frameKey(parent.model, parent.frame);
    const children = this.waiting.get(k);
    if (!children) return [];
    this.waiting.delete(k);
    this.count -= children.length;
    if (!dropped) return children;
    const out: T[] = [];
    for (const c of children) out.push(c, ...this.release(c, true));
    return out;
  }

  /** Tasks held now. */
  get heldCount(): number {
    return this.count;
  }

  /** Every task held now (at the end of a run: those whose parent never ended). */
  *held(): IterableIterator<T> {
    for (const children of this.waiting.values()) yield* children;
  }
}
