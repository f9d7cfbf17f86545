// A controller that survives a trap in the Wasm core. A trap (an `unreachable`, an out-of-bounds
// access: a bug, or a bit flip on a board host) kills the instance, but the core is deterministic
// and keeps all of its state in its memory and globals, so the host keeps a snapshot of that state
// and a journal of every event the core accepted since. On a trap it instantiates the module
// again, restores the snapshot, replays the journal (discarding the commands, which were sent
// long ago) and retries the event that trapped: the new core is bit for bit the one that died,
// and the same seed and inputs still give the same schedule.
//
// The snapshot is taken every SNAPSHOT_EVERY events, in a microtask: after the caller has sent the
// decision's commands, so it never sits between an arrival and its first command. A second trap
// on the same event is not retried again: the state is restored and the error goes to the caller.

import { type ControllerOptions, type CoreSnapshot, Controller, type Decision } from "./controller.js";

/** Events between snapshots: the journal a recovery replays is at most this long. */
export const SNAPSHOT_EVERY = 256;

type Event =
  | { kind: "arrival"; task: Parameters<Controller["arrival"]>[0]; now: number }
  | { kind: "stageDone"; id: number; stage: number; measuredNs: number; now: number }
  | { kind: "taskDone"; id: number; now: number };

function apply(c: Controller, e: Event): Decision {
  if (e.kind === "arrival") return c.arrival(e.task, e.now);
  if (e.kind === "stageDone") return c.stageDone(e.id, e.stage, e.measuredNs, e.now);
  return c.taskDone(e.id, e.now);
}

/** A trap (release build: a failed bounds check is `unreachable` too), or the debug build's abort. */
function isTrap(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError || (err instanceof Error && err.message.startsWith("abort:"));
}

export class RecoverableController {
  /** Traps survived: each one a new instance restored from the snapshot and the journal. */
  restarts = 0;
  /** Longest journal replayed by a recovery. */
  longestReplay = 0;
  private ctl: Controller;
  private snap: CoreSnapshot;
  private readonly journal: Event[] = [];
  private snapshotQueued = false;

  constructor(private readonly opts: ControllerOptions) {
    this.ctl = Controller.createSync({ ...opts, exposeState: true });
    this.snap = this.ctl.snapshot();
  }

  get policy(): Controller["policy"] {
    return this.ctl.policy;
  }

  arrival(task: Parameters<Controller["arrival"]>[0], now: number): Decision {
    return this.run({ kind: "arrival", task, now });
  }

  stageDone(id: number, stage: number, measuredNs: number, now: number): Decision {
    return this.run({ kind: "stageDone", id, stage, measuredNs, now });
  }

  taskDone(id: number, now: number): Decision {
    return this.run({ kind: "taskDone", id, now });
  }

  invariants(): number {
    return this.ctl.invariants();
  }

  tileMap(): number[] {
    return this.ctl.tileMap();
  }

  get stats(): Controller["stats"] {
    return this.ctl.stats;
  }

  get memoryBytes(): number {
    return this.ctl.memoryBytes;
  }

  /** Debug: the core traps at its next event (what `immsched run --core-trap-every` uses). */
  debugTrapNext(): void {
    this.ctl.debugTrapNext();
  }

  private run(e: Event): Decision {
    let d: Decision;
    try {
      d = apply(this.ctl, e);
    } catch (err) {
      if (!isTrap(err)) throw err;
      this.recover();
      try {
        d = apply(this.ctl, e);
      } catch (again) {
        if (isTrap(again)) this.recover();
        throw again;
      }
    }
    this.journal.push(e);
    if (this.journal.length >= SNAPSHOT_EVERY && !this.snapshotQueued) {
      this.snapshotQueued = true;
      queueMicrotask(() => this.takeSnapshot());
    }
    return d;
  }

  /** Covers every event so far, so the whole journal goes. */
  private takeSnapshot(): void {
    this.snapshotQueued = false;
    this.snap = this.ctl.snapshot();
    this.journal.length = 0;
  }

  private recover(): void {
    this.restarts++;
    this.longestReplay = Math.max(this.longestReplay, this.journal.length);
    const fresh = Controller.createSync({ ...this.opts, exposeState: true });
    fresh.restore(this.snap);
    for (const e of this.journal) apply(fresh, e);
    this.ctl = fresh;
  }
}
