// The virtual board: the accelerator model (machine.ts) in wall time behind the wire protocol
// (PROTOCOL.md §5-7). It raises a scenario's arrivals at their times, executes the host's commands
// and reports stage and task completions, heartbeats and telemetry, exactly as firmware would.
//
// It mirrors the virtual-time simulator's board handling (host/sim/simulate.ts) so a wall-time run
// matches a bench of the same scenario: same admission, machine events before arrivals on equal
// times, and XRBench dependencies held on the board by the same tracker (frame-dependencies.ts: a
// child is raised when its parent frame finished here; a child of a dropped parent is never raised).
//
// Scheduling is event driven: one timer armed for the earliest of the next arrival and the
// machine's next event, re-armed after every command. Scenario times are offset by the board time
// at which the first session was established (the workload "starts" with the session), so a slow
// handshake does not turn into a burst of late arrivals.

import { EventEmitter } from "node:events";
import {
  type Arrival,
  type Command,
  type CommandMessage,
  type Variant,
  type Hello,
  type Message,
  ERROR_CODES,
  HELLO_FLAGS,
  MAX_ERROR_TEXT,
  MAX_STEPS,
  MSG,
  HEADER_SIZE,
  commandEpoch,
  isBoardId,
  NO_FRAME,
  PROTOCOL_VERSION,
  messageToCommand,
} from "../protocol/index.js";
import { Endpoint, type EndpointOptions } from "../link/endpoint.js";
import type { FrameTransport } from "../link/transport.js";
import { type BoardEvent, type Machine, SpatialMachine, TemporalMachine } from "./machine.js";
import type { BoardArrival, TaskProfile } from "./profile.js";
import { BoardClock } from "./clock.js";
import { FrameDependencies } from "./frame-dependencies.js";
import { TelemetryMeter } from "./telemetry.js";
import { HeldCommands } from "./held-commands.js";
import { boardHello } from "./hello.js";
import { ArrivalRateLimit, parseExternalArrival } from "../link/external-arrival.js";

/** One scenario arrival (host/sim TaskArrival extends it); `after`: raised only once that frame finished here. */
export type { BoardArrival };
export type { BoardScenario, BoardStats, BoardSummary, CommandOutcome, VirtualBoardEvents, VirtualBoardOptions } from "./board-contract.js";
import type { BoardStats, BoardSummary, VirtualBoardEvents, VirtualBoardOptions } from "./board-contract.js";

/** "aborted": held when a new session started; the host may re-issue it (PROTOCOL.md §6.1). */
type Status = "pending" | "waiting" | "live" | "done" | "dropped" | "aborted";

interface TaskState {
  id: number;
  model: string;
  frame?: number;
  profile: TaskProfile;
  external: boolean;
  arrival?: BoardArrival;
  /** Scenario time of its arrival (kept when the task ends and its arrival, with the profile, is let go). */
  arrivalNs?: number;
  status: Status;
  dropReason?: string;
  /** Board time its TASK_DONE happened (also after a DROP that did not stop it). */
  doneNs?: number;
  /**
   * The ARRIVAL a new session announces for a task that has no `arrival` to build it from: a fleet
   * board's feed task (resyncOnNewSession: the new owner never heard the feed message, published
   * while the board had no owner or before the owner subscribed), or a task that ended before the
   * host ACKed its ARRIVAL (end).
   */
  announce?: Arrival;
  /** Its latest STAGE_DONE: a fleet re-sync sends it again, so the new owner knows the stages done (keepForResync). */
  lastStage?: Message;
  /** The host ACKed its ARRIVAL (external tasks: always), so its events may go out. */
  acked: boolean;
  buffer: Message[];
}

const DEFAULT_HOLD_MS = 1000;
/** The profile an ended task keeps: none (it never runs again). */
const ENDED: TaskProfile = { layerNs: [], layerEnergyPJ: [], pipelines: new Map() };
/** VirtualBoardOptions.forgetAfterNs by default. */
const FORGET_AFTER_NS = 5e9;
/** How often (arrivals) the ended tasks are swept. */
const FORGET_EVERY = 256;
/** The handshake backs off to this HELLO retry interval (PROTOCOL.md §6). */
const HELLO_BACKOFF_MAX_MS = 1000;
/** Thermal model: ambient, K per W of die-to-ambient resistance, time constant (a small heatsinked SoC). */

export class VirtualBoard extends EventEmitter<VirtualBoardEvents> {
  readonly endpoint: Endpoint;
  /** Resolves when every task ended and no arrival is left (complete), or at stop() (not complete). */
  readonly finished: Promise<BoardSummary>;

  private clock: BoardClock;
  private readonly timeScale: number;
  private readonly tileCount: number;
  private readonly source: Iterator<BoardArrival>;
  /** The next arrival, read ahead from the source; undefined once it is exhausted. */
  private upcoming?: BoardArrival;
  private lastArrivalNs = -Infinity;
  private taken = 0;
  /** A stream (not an array) is read ahead after the current arrival went out (setImmediate): a read may cost the cost model's work. */
  private readonly deferReads: boolean;
  private reading = false;
  private readonly modelIndex = new Map<string, number>();
  private readonly firstProfile = new Map<string, TaskProfile>();
  private readonly tasks = new Map<number, TaskState>();
  private readonly deps = new FrameDependencies<TaskState>((t) =>
    t.status === "dropped" ? "dropped" : t.doneNs === undefined ? "open" : "ended",
  );
  private readonly live = new Set<number>();
  /** Tasks aborted by a new session that the host knew of: re-issued, dropped or, unclaimed, ended. */
  private readonly aborted = new Set<number>();
  private abortedTimer?: NodeJS.Timeout;
  /** TASK_DONEs the host has not ACKed yet: a new session must not lose them (§6.1). */
  private readonly doneUnacked = new Map<number, Message>();
  private readonly epochs = new Map<number, number>();
  private readonly held: HeldCommands;
  private readonly holdUnknown: boolean;
  private readonly externalLimit: ArrivalRateLimit;
  private readonly stats_ = {
    sessions: 0,
    sessionsUp: 0,
    tasksRaised: 0,
    externalTasks: 0,
    externalRejected: 0,
    tasksDone: 0,
    tasksDropped: 0,
    droppedDependency: 0,
    tasksAborted: 0,
    tasksReissued: 0,
    tasksUnclaimed: 0,
    commandsApplied: 0,
    staleCommands: 0,
    fencedFrames: 0,
    unknownCommands: 0,
    badCommands: 0,
    errorsSent: 0,
    heartbeats: 0,
    telemetry: 0,
    unreportedStages: 0,
  };

  private machine?: Machine;
  private execution: "temporal" | "spatial" | null = null;
  /** Energy of machines discarded by earlier sessions (telemetry reports energy since boot). */
  private energyBase = 0;
  private origin: number | null = null;
  private sessionUp = false;
  private started = false;
  private stopped = false;
  private resolved = false;
  private resolveFinished!: (s: BoardSummary) => void;
  private handshakeSinceMs = 0;
  private establishedAtMs = 0;
  private rxEpoch = 0;
  /** fenceEpochs: the current owner's lowest epoch (from the ACK that established the session). */
  private floor = 0;
  /** The epoch of the last ACK heard during the handshake: the floor once that ACK establishes the session. */
  private handshakeAckEpoch = 0;
  private rejectedAtSession = 0;
  private heartbeatCounter = 0;
  private readonly preSession: Message[] = [];
  /** The current session's HELLO (sent again at once on a fleet owner's HELLO_REQUEST during the handshake). */
  private hello?: Hello;

  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private heartbeatTimer?: NodeJS.Timeout;
  private telemetryTimer?: NodeJS.Timeout;
  private readonly meter: TelemetryMeter;

  constructor(private readonly opts: VirtualBoardOptions) {
    super();
    this.timeScale = opts.timeScale ?? 1;
    this.meter = new TelemetryMeter(opts.thermal ?? true);
    this.held = new HeldCommands(opts.externalHoldMs ?? DEFAULT_HOLD_MS, (cmd) =>
      this.guard(() => {
        this.stats_.unknownCommands++;
        this.emit("command", cmd, "unknown");
        this.checkFinished();
      }),
    );
    this.clock = new BoardClock(this.timeScale);
    const { width, height } = opts.mesh;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`mesh ${width}x${height}: width and height must be integers >= 1`);
    }
    this.tileCount = width * height;
    // checked here rather than when the HELLO or an ARRIVAL fails to encode mid-run
    if (!isBoardId(opts.boardId)) throw new RangeError(`board id "${opts.boardId}": 1..32 characters of [A-Za-z0-9_-]`);
    opts.scenario.models.forEach((m, i) => {
      if (!this.modelIndex.has(m.name)) this.modelIndex.set(m.name, i);
    });
    const arrivals = opts.scenario.arrivals;
    if (Array.isArray(arrivals)) {
      // a whole scenario given at once: checked now, and every model's first profile known up front
      const ids = new Set<number>();
      let last = -Infinity;
      for (const a of arrivals as readonly BoardArrival[]) {
        this.check(a, last, ids.has(a.id));
        ids.add(a.id);
        last = a.arrivalNs;
        if (!this.firstProfile.has(a.model)) this.firstProfile.set(a.model, a.profile);
      }
    }
    this.deferReads = !Array.isArray(arrivals);
    this.source = arrivals[Symbol.iterator]();
    this.upcoming = this.readAhead();

    opts.transport.onExternal?.((p) => this.guard(() => this.onExternal(p)));
    this.holdUnknown = opts.externalArrivals ?? opts.transport.onExternal !== undefined;
    this.externalLimit = new ArrivalRateLimit(opts.externalRate);

    const board = this;
    const endpointOpts: EndpointOptions = {
      side: "board",
      // read at every (re)send: during the handshake the HELLO backs off towards 1 s (§6)
      get retryMs() {
        return board.currentRetryMs();
      },
      ackEpoch: () => this.rxEpoch,
      maxAttempts: opts.maxAttempts,
    };
    this.endpoint = new Endpoint(this.tapEpochs(opts.transport), endpointOpts);
    this.endpoint.on("message", (m) => this.guard(() => this.onMessage(m)));
    this.endpoint.on("acked", (m) => this.guard(() => this.onAcked(m)));
    this.endpoint.on("giveUp", (m, reason) => this.guard(() => this.onGiveUp(m, reason)));
    // an older host (its ACKs and commands carry header version 1): say so once, plainly
    this.endpoint.once("incompatible", (v) =>
      this.log(`refused a protocol ${v} frame: this board speaks protocol ${PROTOCOL_VERSION} only; update the host`),
    );
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Throws RangeError when an arrival cannot be raised (the same checks whether given at once or streamed). */
  private check(a: BoardArrival, last: number, duplicate: boolean): void {
    if (!this.modelIndex.has(a.model)) throw new RangeError(`arrival ${a.id}: model '${a.model}' is not in the scenario's model table`);
    if (duplicate) throw new RangeError(`arrival id ${a.id} appears twice`);
    if (a.arrivalNs < last) throw new RangeError(`arrivals must be sorted by arrivalNs (id ${a.id})`);
    if (!Number.isInteger(a.id) || a.id < 0 || a.id > 0xffffffff) throw new RangeError(`arrival id ${a.id}: not a u32`);
    if (!Number.isInteger(a.priority) || a.priority < 0 || a.priority > 255)
      throw new RangeError(`arrival ${a.id}: priority ${a.priority} is not a u8`);
    if (!(a.arrivalNs >= 0 && a.deadlineNs >= 0)) throw new RangeError(`arrival ${a.id}: times must be >= 0 ns`);
  }

  /** Reads the next arrival from the source and registers its task (pending until its time). */
  private readAhead(): BoardArrival | undefined {
    const r = this.source.next();
    if (r.done) return undefined;
    const a = r.value;
    this.check(a, this.lastArrivalNs, this.tasks.has(a.id));
    this.lastArrivalNs = a.arrivalNs;
    const t: TaskState = {
      id: a.id,
      model: a.model,
      frame: a.frame,
      profile: a.profile,
      external: false,
      arrival: a,
      arrivalNs: a.arrivalNs,
      status: "pending",
      acked: false,
      buffer: [],
    };
    this.tasks.set(a.id, t);
    this.deps.register(t);
    if (!this.firstProfile.has(a.model)) this.firstProfile.set(a.model, a.profile);
    return a;
  }

  /** The next arrival, now due: the one after it is read ahead, and long-ended tasks are forgotten now and then. */
  private takeArrival(): BoardArrival {
    const a = this.upcoming!;
    if (this.deferReads) {
      // the host hears of this arrival first (the link delivers on setImmediate too, queued before this)
      this.upcoming = undefined;
      this.reading = true;
      setImmediate(() =>
        this.guard(() => {
          if (this.stopped) return;
          this.upcoming = this.readAhead();
          this.reading = false;
          this.pump();
        }),
      );
    } else this.upcoming = this.readAhead();
    if (++this.taken % FORGET_EVERY === 0) this.forgetEnded(a.arrivalNs - (this.opts.forgetAfterNs ?? FORGET_AFTER_NS));
    return a;
  }

  /**
   * Forgets the scenario tasks that ended before `beforeNs` (scenario time) and have nothing left
   * to send: a board left running keeps bounded state. A command still coming for one (a late
   * retransmission) is then counted as for an unknown task, as for any task that has ended.
   */
  private forgetEnded(beforeNs: number): void {
    for (const t of this.tasks.values()) {
      if (t.external || t.arrivalNs === undefined || t.arrivalNs >= beforeNs) continue;
      if ((t.status !== "done" && t.status !== "dropped") || !t.acked || t.buffer.length > 0 || this.live.has(t.id)) continue;
      this.tasks.delete(t.id);
      this.epochs.delete(t.id);
      this.deps.forget(t);
      this.machine?.forget(t.id);
    }
  }

  /** Boots the board clock and starts the first session (HELLO until ACKed). */
  start(): void {
    if (this.started) throw new Error("the virtual board is already started");
    this.started = true;
    this.clock = new BoardClock(this.timeScale);
    this.newSession("boot");
  }

  /** Stops every timer and the endpoint (the caller closes the transport); resolves `finished` if it was not. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.held.drain();
    this.endpoint.close();
    this.resolve(false);
  }

  /**
   * A board reset as firmware would go through one (a watchdog, a brown-out): the session is
   * forgotten, every task held is aborted and a new HELLO goes out (PROTOCOL.md §6.1). The clock
   * and the scenario keep running: sensors keep producing frames while the board reboots.
   */
  reset(why = "reset"): void {
    if (!this.started || this.stopped) return;
    this.guard(() => this.newSession(why));
  }

  get stats(): BoardStats {
    return {
      ...this.stats_,
      tasksTracked: this.tasks.size,
      energyPJ: this.energyPJ(),
      boardTimeNs: Math.round(this.clock.nowNs()),
      link: { ...this.endpoint.stats },
      transport: { ...this.opts.transport.stats },
    };
  }

  /** Board time now, ns. */
  nowNs(): number {
    return this.clock.nowNs();
  }

  /** Whether the current session's HELLO has been ACKed. */
  get established(): boolean {
    return this.sessionUp;
  }

  // ------------------------------------------------------------------------------------------
  // Session

  private currentRetryMs(): number {
    const r = this.opts.retryMs;
    if (this.sessionUp) return r;
    // doubling: each wait is the time already spent waiting, from retryMs up to 1 s
    const waited = performance.now() - this.handshakeSinceMs;
    return Math.max(r, Math.min(HELLO_BACKOFF_MAX_MS, waited));
  }

  /** PROTOCOL.md §6.1: forget the session, abort every task held, HELLO from seq 0. */
  private newSession(why: string): void {
    if (this.stopped) return;
    const wasUp = this.sessionUp;
    this.sessionUp = false;
    if (wasUp || this.stats_.sessions === 0) this.handshakeSinceMs = performance.now();
    this.stats_.sessions++;
    this.clearTimers();
    const now = this.clock.nowNs();
    // a fleet board (resyncOnNewSession) keeps its open tasks for the new owner, which never heard
    // of them: their ARRIVALs go out again after the HELLO (host/fleet)
    const kept = this.opts.resyncOnNewSession ? this.keepForResync() : [];
    // PROTOCOL.md §6.1: whatever ran is lost. A task the host had ACKed waits, aborted, for the
    // host to re-issue or drop it; one it never heard of is announced again in the new session
    for (const id of [...this.live]) {
      const t = this.tasks.get(id)!;
      t.buffer.length = 0; // events of the old session would be noise to the new one
      this.stats_.tasksAborted++;
      if (t.acked) {
        t.status = "aborted";
        this.live.delete(id);
        this.aborted.add(id);
      }
    }
    // what the host has not acknowledged goes out again in the new session: the ARRIVAL of every
    // task raised but not ACKed (it restarts if it was running; a finished one keeps only its
    // TASK_DONE, sent once the ARRIVAL is ACKed), and every TASK_DONE of a task the host knows
    const announce: TaskState[] = [];
    const resend: Message[] = [];
    const keptIds = new Set(kept.map((t) => t.id));
    for (const t of this.tasks.values()) {
      if (keptIds.has(t.id)) continue; // re-announced below
      if (t.acked) {
        const done = this.doneUnacked.get(t.id);
        if (done) resend.push(done);
      } else if (t.status === "live" || t.status === "done" || (t.status === "dropped" && t.dropReason !== "dependency")) {
        t.buffer = t.buffer.filter((m) => m.type === "task_done");
        announce.push(t);
      }
    }
    for (const cmd of this.held.drain()) {
      this.stats_.unknownCommands++;
      this.emit("command", cmd, "unknown");
    }
    this.preSession.length = 0;
    for (const t of announce) this.preSession.push(this.arrivalMessage(t));
    this.preSession.push(...resend);
    for (const t of kept) this.reannounce(t);
    // a new host may count epochs from 0 again
    this.epochs.clear();
    if (this.machine && this.opts.resyncOnNewSession) {
      // a fleet board keeps its work: every running task stops as if pre-empted and continues from
      // there when the new owner places it (machine.ts suspend); an aborted task starts over
      this.machine.suspend(now);
      for (const id of this.aborted) this.machine.apply({ kind: "drop", epoch: 0, taskId: id, reason: "deadline" }, now);
    } else if (this.machine) {
      this.energyBase += this.machine.totalEnergyPJ;
      this.machine = this.makeMachine();
    }
    this.endpoint.resetSession();
    this.rejectedAtSession = this.endpoint.stats.framesRejected;
    this.heartbeatCounter = 0;
    const hello = boardHello({
      ...this.opts, // mesh, PEs, clock, task table, firmware, id
      boardTimeNs: Math.round(now),
      flags: HELLO_FLAGS.tileSpatial | HELLO_FLAGS.layerTemporal | (this.opts.variantProfile ? HELLO_FLAGS.modelVariants : 0),
    });
    this.log(`session ${this.stats_.sessions} (${why}): HELLO at board ${(now / 1e6).toFixed(3)} ms`);
    this.hello = hello;
    this.endpoint.send(hello);
  }

  /**
   * Fleet re-sync: takes the open tasks out of `live` (so the abort below skips them) and forgets
   * what the old session knew of them, but for the stages they completed: the machine keeps that
   * work (suspend), and each task's latest STAGE_DONE goes to the new owner again right after its
   * ARRIVAL is ACKed, so the owner's core counts those stages done (its estimate of what is left)
   * as the board runs only the rest. The wire layouts are unchanged (PROTOCOL.md §6.6).
   */
  private keepForResync(): TaskState[] {
    const kept: TaskState[] = [];
    for (const id of this.live) {
      const t = this.tasks.get(id)!;
      if (!t.arrival && !t.announce) continue;
      t.acked = false;
      t.buffer.length = 0;
      if (t.lastStage) t.buffer.push(t.lastStage);
      kept.push(t);
    }
    for (const t of kept) this.live.delete(t.id);
    return kept;
  }

  /** Back into `live`, its ARRIVAL queued behind the new HELLO (sent once that is ACKed). */
  private reannounce(t: TaskState): void {
    this.live.add(t.id);
    this.preSession.push(this.arrivalMessage(t));
  }

  private onEstablished(): void {
    this.sessionUp = true;
    this.floor = this.handshakeAckEpoch;
    this.establishedAtMs = performance.now();
    this.stats_.sessionsUp++;
    const now = this.clock.nowNs();
    if (this.origin === null) this.origin = Math.round(now);
    this.log(`session ${this.stats_.sessions} established at board ${(now / 1e6).toFixed(3)} ms`);
    for (const m of this.preSession.splice(0)) this.endpoint.send(m);
    this.meter.restart(now, this.energyPJ());
    this.heartbeatTimer = setInterval(() => this.guard(() => this.heartbeat()), this.opts.heartbeatMs ?? 1000);
    this.telemetryTimer = setInterval(() => this.guard(() => this.telemetry()), this.opts.telemetryMs ?? 250);
    this.emit("session", this.stats_.sessionsUp);
    if (this.aborted.size > 0) {
      // a host that does not recover tasks (or lost them) would leave them aborted for ever
      this.abortedTimer = setTimeout(() => this.guard(() => this.endUnclaimed()), this.opts.externalHoldMs ?? DEFAULT_HOLD_MS);
    }
    this.pump();
  }

  private endUnclaimed(): void {
    for (const id of this.aborted) {
      const t = this.tasks.get(id)!;
      this.end(t, "dropped", "aborted");
      this.stats_.tasksUnclaimed++;
      this.release(t, true);
    }
    this.aborted.clear();
    this.pump();
  }

  /**
   * A command for a task aborted by the new session: the host re-issues it (SCHEDULE or RESUME:
   * it runs again from its first stage, the work done before the reset is lost) or drops it.
   */
  private reissue(t: TaskState, cmd: Command, now: number): void {
    if (cmd.kind === "preempt") {
      this.stats_.unknownCommands++;
      this.emit("command", cmd, "unknown");
      return;
    }
    this.aborted.delete(t.id);
    if (cmd.kind === "drop") {
      this.epochs.set(t.id, cmd.epoch);
      this.stats_.commandsApplied++;
      this.emit("command", cmd, "applied");
      this.end(t, "dropped", cmd.reason);
      this.stats_.tasksDropped++;
      this.release(t, true);
      return;
    }
    t.status = "live";
    this.live.add(t.id);
    this.stats_.tasksReissued++;
    this.machine?.admit(t.id, t.profile);
    this.apply(t, cmd, now);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.telemetryTimer);
    clearTimeout(this.abortedTimer);
  }

  // ------------------------------------------------------------------------------------------
  // Link events

  /**
   * Notes the epoch of each command frame as it comes in, so the ACK the endpoint sends for it
   * carries that epoch (PROTOCOL.md §4 ACK), also for a duplicate, which never reaches onMessage.
   */
  private tapEpochs(t: FrameTransport): FrameTransport {
    return {
      send: (frame, type) => t.send(frame, type),
      onFrame: (handler) =>
        t.onFrame((frame, type) => {
          if (this.opts.fenceEpochs && this.fenced(frame)) return;
          this.rxEpoch = commandEpoch(frame);
          handler(frame, type);
        }),
      close: () => t.close(),
      get stats() {
        return t.stats;
      },
      describe: t.describe,
    };
  }

  /**
   * fenceEpochs: is this frame a displaced owner's? Commands before the session is established,
   * and commands and ACKs with an epoch below the owner's floor (serial number arithmetic,
   * RFC 1982: epochs may wrap). Read from the raw frame, before the endpoint de-duplicates by seq.
   */
  private fenced(frame: Uint8Array): boolean {
    const code = frame[1];
    const command = code !== undefined && ((code >= MSG.schedule && code <= MSG.drop) || code === MSG.batch);
    const ack = code === MSG.ack && frame.length >= HEADER_SIZE + 6;
    if (!command && !ack) return false;
    const epoch = ack
      ? new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(HEADER_SIZE + 2, true)
      : commandEpoch(frame);
    if (!this.sessionUp) {
      if (ack) {
        this.handshakeAckEpoch = epoch;
        return false;
      }
    } else if (((epoch - this.floor) | 0) >= 0) return false;
    if (this.stats_.fencedFrames++ === 0)
      this.log(`refused a ${ack ? "ACK" : "command"} of epoch ${epoch}: below the owner's ${this.floor} (fenceEpochs)`);
    return true;
  }

  private onMessage(m: Message): void {
    if (this.stopped) return;
    switch (m.type) {
      case "hello_request": {
        // during the handshake a HELLO is already on its way. Just after it, a request most likely
        // crossed our HELLO (a host starting up asks before it hears us): honouring it would abort
        // the first arrivals, and a host that really lost us asks again every second (§6.3)
        const grace = this.opts.helloRequestGraceMs ?? Math.min(this.opts.retryMs, 1000);
        if (this.sessionUp && performance.now() - this.establishedAtMs >= grace) this.newSession("HELLO_REQUEST");
        else if (!this.sessionUp && this.opts.resyncOnNewSession && this.hello) {
          // a fleet board without an owner: whoever asks is the next one. The same HELLO again at
          // once (a retransmission, seq 0), not after the handshake's back-off (up to a second):
          // that wait was most of a failover's gap (README "Fleet")
          this.endpoint.resetSession();
          this.endpoint.send(this.hello);
        } else this.log("HELLO_REQUEST ignored: it crossed our HELLO");
        return;
      }
      case "schedule":
      case "resume":
      case "preempt":
      case "drop":
        this.onCommand(m);
        return;
      case "variant":
        this.onVariant(m);
        return;
      default:
        return; // nothing else is for the board
    }
  }

  private onAcked(m: Message): void {
    if (this.stopped) return;
    if (m.type === "task_done") this.doneUnacked.delete(m.taskId);
    if (m.type === "hello") {
      if (!this.sessionUp) this.onEstablished();
      return;
    }
    if (m.type === "arrival") {
      const t = this.tasks.get(m.taskId);
      if (t && !t.acked) {
        t.acked = true;
        if ((t.status === "done" || t.status === "dropped") && !t.external) t.announce = undefined; // kept only for this ACK (end)
        for (const e of t.buffer.splice(0)) this.endpoint.send(e);
      }
    }
    this.checkFinished();
  }

  private onGiveUp(m: Message, reason: string): void {
    if (this.stopped) return;
    if (m.type !== "hello" && reason.startsWith("no ACK") && this.workDone()) {
      // every task has ended here and only this frame was left to deliver: the host has finished
      // and gone (a new session would wait for it for ever)
      if (!this.resolved) this.log(`${m.type} given up (${reason}) after the last task: finished`);
      this.resolve(true);
      return;
    }
    if (m.type === "hello" || reason.startsWith("no ACK")) {
      // the link is lost (§5.2); a HELLO is never given up on (§6.1): start over
      this.log(`${m.type} given up (${reason}): new session`);
      this.newSession(m.type === "hello" ? "HELLO not acknowledged" : "link lost");
      return;
    }
    this.log(`${m.type} refused by the host (${reason})`);
    if (m.type === "arrival") {
      // the host will never know this task: it ends here
      const t = this.tasks.get(m.taskId);
      if (t?.status === "live") {
        this.end(t, "dropped", "refused");
        this.release(t, true);
      }
      // its events are moot, but a child raised behind them must still reach the host
      if (t) for (const e of t.buffer.splice(0)) if (e.type === "arrival") this.endpoint.send(e);
    }
    this.checkFinished();
  }

  // ------------------------------------------------------------------------------------------
  // Commands

  private onCommand(m: CommandMessage): void {
    const cmd = messageToCommand(m)!;
    const now = this.clock.nowNs();
    // whatever was due before the command happened first
    this.advance(now);
    const t = this.tasks.get(cmd.taskId);
    if (!t && this.holdUnknown) {
      this.hold(cmd);
      return;
    }
    if (t?.status === "aborted") {
      this.reissue(t, cmd, now);
      this.pump();
      return;
    }
    if (t?.status !== "live") {
      this.stats_.unknownCommands++;
      this.emit("command", cmd, "unknown");
      this.pump();
      return;
    }
    this.apply(t, cmd, now);
    this.pump();
  }

  /**
   * VARIANT (PROTOCOL.md §4): the task runs as another model of the table (a width variant of its
   * own) from its first placement on. Too late (a command was applied), for a task or a model it
   * does not know, or without variants: ignored, counted as an unknown command.
   */
  private onVariant(m: Variant): void {
    const t = this.tasks.get(m.taskId);
    const model = this.opts.scenario.models[m.modelId]?.name;
    const profile =
      t?.status === "live" && t.arrival && !this.epochs.has(t.id) && model !== undefined
        ? this.opts.variantProfile?.(t.arrival, model)
        : undefined;
    if (!t || !profile) {
      this.stats_.unknownCommands++;
      this.log(`VARIANT task ${m.taskId} model ${m.modelId} ignored`);
      return;
    }
    t.profile = profile;
    this.machine?.admit(t.id, profile);
  }

  private apply(t: TaskState, cmd: Command, now: number): void {
    const last = this.epochs.get(t.id);
    if (last !== undefined && cmd.epoch < last) {
      this.stats_.staleCommands++;
      this.emit("command", cmd, "stale");
      return;
    }
    if (cmd.kind === "place" || cmd.kind === "resume") {
      const off = cmd.tiles.find((tile) => tile >= this.tileCount);
      if (off !== undefined) {
        this.bad(cmd, `tile ${off} is off the ${this.opts.mesh.width}x${this.opts.mesh.height} mesh`);
        return;
      }
      const spatial = cmd.tiles.length > 0;
      if (this.execution === null) {
        this.execution = spatial ? "spatial" : "temporal";
        this.machine = this.makeMachine();
        this.log(`execution: ${this.execution}`);
      } else if ((this.execution === "spatial") !== spatial) {
        this.bad(
          cmd,
          `a ${spatial ? "tile-spatial" : "layer-temporal"} ${cmd.kind} on a board running ${this.execution === "spatial" ? "tile-spatial" : "layer-temporal"}`,
        );
        return;
      }
    }
    try {
      this.machine?.apply(cmd, now);
    } catch (e) {
      this.bad(cmd, (e as Error).message.replace(/^board: /, ""));
      return;
    }
    this.epochs.set(t.id, cmd.epoch);
    this.stats_.commandsApplied++;
    this.emit("command", cmd, "applied");
    if (cmd.kind === "drop") {
      this.end(t, "dropped", cmd.reason);
      this.stats_.tasksDropped++;
      this.release(t, true);
    }
  }

  private bad(cmd: Command, why: string): void {
    this.stats_.badCommands++;
    this.emit("command", cmd, "bad");
    this.log(`bad command ${cmd.kind} task ${cmd.taskId} epoch ${cmd.epoch}: ${why}`);
    this.sendError(ERROR_CODES.badCommand, `${cmd.kind} task ${cmd.taskId} epoch ${cmd.epoch}: ${why}`);
  }

  /** A command for a task not known yet: its external arrival may still be on its way. */
  private hold(cmd: Command): void {
    this.held.hold(cmd);
    this.emit("command", cmd, "held");
  }

  private makeMachine(): Machine | undefined {
    if (this.execution === null) return undefined;
    const m = this.execution === "spatial" ? new SpatialMachine(this.tileCount) : new TemporalMachine();
    for (const id of this.live) m.admit(id, this.tasks.get(id)!.profile);
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // Time

  /** Processes everything due now, re-arms the timer, and checks whether the run is over. */
  private pump(): void {
    if (this.stopped) return;
    this.advance(this.clock.nowNs());
    this.arm();
    this.checkFinished();
  }

  private nextArrivalNs(): number {
    const a = this.upcoming;
    return this.sessionUp && a && this.origin !== null ? this.origin + a.arrivalNs : Infinity;
  }

  /** Every machine event and arrival due by `now`, in time order; machine events first on ties (as simulate.ts). */
  private advance(now: number): void {
    for (;;) {
      const tm = this.machine?.nextTime() ?? Infinity;
      const ta = this.nextArrivalNs();
      if (Math.min(tm, ta) > now) return;
      if (tm <= ta) this.onMachineEvent(this.machine!.pop()!);
      else this.onArrival(this.takeArrival());
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const next = Math.min(this.machine?.nextTime() ?? Infinity, this.nextArrivalNs());
    if (next === Infinity) return;
    const delay = this.clock.wallDelayMs(next);
    const spin = this.opts.spinMs ?? 1;
    const tick = () => this.guard(() => this.pump());
    if (delay > spin) this.timer = setTimeout(tick, delay - spin);
    else this.immediate = setImmediate(tick);
  }

  // ------------------------------------------------------------------------------------------
  // Tasks

  private onArrival(a: BoardArrival): void {
    const t = this.tasks.get(a.id)!;
    const fate = this.deps.arrive(t, a.after);
    if (fate === "drop") this.dropDependent(t);
    else if (fate === "wait") t.status = "waiting";
    else this.raise(t);
  }

  /** Raises a task: admits it and sends its ARRIVAL, after the events of `parent` if those still wait. */
  private raise(t: TaskState, parent?: TaskState): void {
    t.status = "live";
    this.live.add(t.id);
    this.stats_.tasksRaised++;
    this.machine?.admit(t.id, t.profile);
    const msg = this.arrivalMessage(t);
    // the host hears of the child after its parent's TASK_DONE, as it happened on the board
    if (parent && !parent.acked) parent.buffer.push(msg);
    else this.endpoint.send(msg);
    this.emit("arrival", msg);
  }

  private arrivalMessage(t: TaskState): Arrival {
    if (!t.arrival && t.announce) return t.announce;
    const a = t.arrival!;
    const origin = this.origin ?? 0;
    return {
      type: "arrival",
      taskId: t.id,
      modelId: this.modelIndex.get(a.model)!,
      priority: a.priority,
      frame: a.frame ?? NO_FRAME,
      arrivalNs: Math.round(origin + a.arrivalNs),
      deadlineNs: Math.round(origin + a.deadlineNs),
    };
  }

  private dropDependent(t: TaskState): void {
    this.endDependent(t);
    this.release(t, true);
  }

  private endDependent(t: TaskState): void {
    this.end(t, "dropped", "dependency");
    this.stats_.droppedDependency++;
  }

  /** A parent frame ended: raise its waiting children, or drop them when it was dropped (frame-dependencies.ts). */
  private release(t: TaskState, parentDropped: boolean): void {
    for (const c of this.deps.release(t, parentDropped)) {
      if (parentDropped) this.endDependent(c);
      else this.raise(c, t);
    }
  }

  private end(t: TaskState, status: "done" | "dropped", reason?: string): void {
    const announced = t.status === "live"; // a child dropped behind its parent was never raised
    t.status = status;
    if (reason !== undefined) t.dropReason = reason;
    t.lastStage = undefined;
    this.live.delete(t.id);
    // an ended task is never raised or admitted again: its profile (the bulk of its memory) can go
    // while it is remembered for late commands; the machine keeps what a task dropped mid-run still needs.
    // A task whose ARRIVAL the host has not ACKed yet (a command can end it while that ACK is lost) is
    // announced again by a new session (newSession): its ARRIVAL is kept, as `announce`, until the ACK (onAcked)
    if (!t.acked && announced && !t.external) t.announce = this.arrivalMessage(t);
    this.shed(t);
  }

  private shed(t: TaskState): void {
    if (t.external) return;
    t.arrival = undefined;
    t.profile = ENDED;
  }

  private onMachineEvent(e: BoardEvent): void {
    this.emit("event", e);
    const t = this.tasks.get(e.taskId);
    const time = Math.max(0, Math.round(e.time));
    if (e.kind === "stage") {
      if (e.stage >= MAX_STEPS) {
        // beyond what STAGE_DONE carries (8192 layers, the core's model capacity): not sent
        if (this.stats_.unreportedStages++ === 0)
          this.log(`layer ${e.stage} of task ${e.taskId} (and any beyond ${MAX_STEPS - 1}) cannot be reported`);
        return;
      }
      const stage: Message = {
        type: "stage_done",
        taskId: e.taskId,
        stage: e.stage,
        busyNs: Math.max(0, Math.round(e.measuredNs)),
        boardTimeNs: time,
      };
      if (t && this.opts.resyncOnNewSession) t.lastStage = stage;
      this.sendEvent(t, stage);
      return;
    }
    // also for a task dropped while it ran on: the simulator hands that TASK_DONE to the controller too
    const done: Message = { type: "task_done", taskId: e.taskId, boardTimeNs: time, energyPJ: Math.max(0, e.energyPJ) };
    this.doneUnacked.set(e.taskId, done);
    this.sendEvent(t, done);
    if (!t) return;
    t.doneNs = e.time;
    if (t.status === "live") {
      this.end(t, "done");
      this.stats_.tasksDone++;
    }
    this.release(t, false);
  }

  /** Events of a task go out only once the host ACKed its ARRIVAL (PROTOCOL.md §5.3). */
  private sendEvent(t: TaskState | undefined, m: Message): void {
    if (t && !t.acked) t.buffer.push(m);
    else if (!this.sessionUp) this.preSession.push(m);
    else this.endpoint.send(m);
  }

  private onExternal(payload: Buffer): void {
    if (this.stopped) return;
    const reject = (why: string): void => {
      this.stats_.externalRejected++;
      this.log(`external arrival rejected: ${why}`);
    };
    const r = parseExternalArrival(payload);
    if (!r.ok) {
      reject(r.reason);
      return;
    }
    if (!this.externalLimit.admit(performance.now())) {
      reject(`task ${r.arrival.id}: over the feed's rate limit`);
      return;
    }
    const o = r.arrival;
    const id = o.id;
    if (!this.modelIndex.has(o.model)) {
      reject(`task ${id}: unknown model ${JSON.stringify(o.model)}`);
      return;
    }
    const prev = this.tasks.get(id);
    // an id may be reused once its external task ended; a scenario id never
    if (prev && !(prev.external && (prev.status === "done" || prev.status === "dropped"))) {
      reject(`task id ${id} is already in use`);
      return;
    }
    const profile = this.opts.sampleProfile?.(o.model, id) ?? this.firstProfile.get(o.model);
    if (!profile) {
      reject(`task ${id}: no profile for model ${o.model}`);
      return;
    }
    const t: TaskState = { id, model: o.model, profile, external: true, status: "live", acked: true, buffer: [] };
    this.tasks.set(id, t);
    this.live.add(id);
    this.stats_.externalTasks++;
    this.machine?.admit(id, profile);
    const now = this.clock.nowNs();
    if (this.opts.resyncOnNewSession) {
      // a fleet board keeps the feed's task for whichever host owns it next (it may have none now):
      // announced after the next HELLO, or after this one when no owner has ACKed it yet, and at
      // once in a live session: an owner that took the board over a moment ago may have heard the
      // feed message before its session was up and refused it as early (the host takes a task id
      // once, from the feed or from the board). Times and defaults as the host runtime reads the
      // feed (priority 1, deadline 100 ms after now)
      t.announce = {
        type: "arrival",
        taskId: id,
        modelId: this.modelIndex.get(o.model)!,
        priority: o.priority ?? 1,
        frame: NO_FRAME,
        arrivalNs: Math.round(now),
        deadlineNs: Math.round(now + (o.deadlineMs ?? 100) * 1e6),
      };
      t.acked = false;
      if (this.sessionUp) this.endpoint.send(t.announce);
      else this.preSession.push(t.announce);
    }
    this.advance(now);
    for (const cmd of this.held.take(id)) {
      if (t.status === "live") this.apply(t, cmd, now);
      else {
        this.stats_.unknownCommands++;
        this.emit("command", cmd, "unknown");
      }
    }
    this.pump();
  }

  // ------------------------------------------------------------------------------------------
  // Monitoring

  private energyPJ(): number {
    return this.energyBase + (this.machine?.totalEnergyPJ ?? 0);
  }

  private heartbeat(): void {
    if (!this.sessionUp || this.stopped) return;
    this.endpoint.send({
      type: "heartbeat",
      boardTimeNs: Math.round(this.clock.nowNs()),
      counter: this.heartbeatCounter++ >>> 0,
      rxRejected: (this.endpoint.stats.framesRejected - this.rejectedAtSession) >>> 0,
    });
    this.stats_.heartbeats++;
  }

  private telemetry(): void {
    if (!this.sessionUp || this.stopped) return;
    this.pump(); // energy as of now
    const snapshot = {
      nowNs: this.clock.nowNs(),
      energyPJ: this.energyPJ(),
      machine: this.machine,
      live: this.live,
      tileCount: this.tileCount,
    };
    this.endpoint.send(this.meter.report(snapshot));
    this.stats_.telemetry++;
  }

  private sendError(code: number, text: string): void {
    if (!this.sessionUp) return;
    const clean = text.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_ERROR_TEXT);
    this.endpoint.send({ type: "error", code, text: clean });
    this.stats_.errorsSent++;
  }

  // ------------------------------------------------------------------------------------------

  private checkFinished(): void {
    if (this.resolved || !this.sessionUp) return;
    if (!this.workDone() || this.endpoint.pending > 0) return;
    this.resolve(true);
  }

  /** Every arrival raised and every task ended, nothing running or held (frames may still be in flight). */
  private workDone(): boolean {
    if (this.upcoming !== undefined || this.reading || this.deps.heldCount > 0 || this.live.size > 0 || this.held.size > 0) return false;
    if (this.aborted.size > 0) return false;
    return !(this.machine && this.machine.nextTime() !== Infinity);
  }

  private resolve(complete: boolean): void {
    if (this.resolved) return;
    this.resolved = true;
    const summary: BoardSummary = {
      ...this.stats,
      complete,
      wallMs: this.clock.uptimeMs(),
      workloadOriginNs: this.origin,
      execution: this.execution,
    };
    if (complete) this.log(`finished: ${summary.tasksDone} done, ${summary.tasksDropped + summary.droppedDependency} dropped`);
    this.resolveFinished(summary);
    this.emit("finished", summary);
  }

  /** Handlers run inside transport callbacks and timers: a bug must not take the link down with it. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      this.log(`internal error: ${msg}`);
      try {
        this.sendError(ERROR_CODES.internal, msg);
      } catch {
        // nothing more to do
      }
    }
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}
