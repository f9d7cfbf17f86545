// The host side of a board session: every ARRIVAL, STAGE_DONE and TASK_DONE the board (or the
// external arrivals feed) reports goes to the core at once, and the commands the core returns are
// sent before the next frame is read: Node delivers frames one by one, and each handler runs the
// decision and the sends synchronously (interrupt-driven: no polling tick on the scheduling path).
// The commands of one decision leave as one frame (a BATCH, protocol 2: one MQTT message, one ACK).
//
// It also keeps what a run summary needs: task records in board time (the same records the
// virtual-time simulator keeps, so host/sim/metrics.ts computes the same metrics), link counters
// and the host's own arrival -> commands-sent latency.
//
// With model variants on, each task's width is chosen as its ARRIVAL comes in (the same
// VariantSelector as the simulator's, in board time) and sent as VARIANT ahead of the decision's
// commands; a board that does not announce model variants (HELLO flag bit 3) is refused.

import { notePlacement } from "../sim/records.js";
import { EventEmitter } from "node:events";
import type { ControllerParams, ModelEntry, PolicyName } from "../core/controller.js";
import { RecoverableController } from "../core/recoverable.js";
import { type VariantChoice, VariantSelector } from "../core/variant-selector.js";
import type { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import {
  type Command,
  type DecisionMessage,
  DROP_REASON_CODES,
  type DropReason,
  HELLO_FLAGS,
  type Message,
  type MessageOf,
  NO_FRAME,
  PROTOCOL_VERSION,
  commandToMessage,
  packDecision,
} from "../../firmware-bridge/protocol/index.js";
import type { OrderKey } from "../../firmware-bridge/link/endpoint.js";
import type { RunLog, TaskRecord } from "../sim/types.js";
import { BoardClock } from "./clock.js";
import { ArrivalRateLimit, type ArrivalRateOptions, parseExternalArrival } from "../../firmware-bridge/link/external-arrival.js";
import { type RuntimeEvent, doneEvent, stageEvent, telemetryInfo } from "./events.js";
import { RESET_DROP_REASON, type RecoveryPlan, planRecovery } from "./recovery.js";

export interface HostRuntimeOptions {
  endpoint: Endpoint;
  policy: PolicyName;
  models: ModelEntry[];
  /** Isolated latency and energy of known tasks (from the scenario), by task id (a map, or a lookup into a stream). */
  reference?: Pick<ReadonlyMap<number, { isolatedNs: number; isolatedEnergyPJ: number }>, "get">;
  seed?: number;
  solveBudget?: number;
  /** Rate limit of the external arrivals feed (default 1000/s, burst 100). */
  externalRate?: ArrivalRateOptions;
  /** Debug: make the core trap before every Nth event it is given (the recovery is tested with it). */
  coreTrapEvery?: number;
  /** Controller knobs (tuned settings); default the core's. */
  params?: ControllerParams;
  /**
   * Fleet re-sync (host/fleet, README "Fleet"): the board keeps its open tasks across a new
   * session and announces them again; their ARRIVALs then go to the new controller instead of
   * being ignored as already known. Default false.
   */
  resyncOpenTasks?: boolean;
  /**
   * Model variants (README "Model variants"): per model its width variants, widest first (their
   * core models are in `models`, which the board shares). Needs a board with HELLO flag bit 3.
   */
  modelVariants?: { choices: ReadonlyMap<string, readonly VariantChoice[]> };
  /**
   * Fleet fencing (host/fleet/lease.ts): called at each new session with the highest epoch used so
   * far; the value returned is added to every command epoch of the session (and is the HELLO's ACK
   * epoch), so a board that refuses epochs below it refuses a displaced owner's commands. Default:
   * none (epochs as the core makes them).
   */
  sessionEpoch?: (lastEpoch: number) => number;
  /**
   * Silence (wall ms) after which the board counts as lost and a new session is asked for
   * (default BOARD_LOST_AFTER_MS). A fleet host gives it the link's retry horizon (retry interval x
   * attempts): a broker node failover is a reconnection the retries cover, not a new session, and a
   * frame the link does give up on ends the session at once (start()).
   */
  boardLostAfterMs?: number;
}

/** What became of the external arrivals feed's messages. */
export interface ExternalArrivalStats {
  accepted: number;
  /** Not a task (JSON, fields, size): link/external-arrival.ts says why. */
  invalid: number;
  /** Over the rate limit. */
  rateLimited: number;
  /** Before the board's clock was known. */
  early: number;
}

/** The session and the run so far, as a run's caller reads them: views, not copies (poll it freely). */
export interface RuntimeSummary {
  /** The board's HELLO of the current session; undefined until the first. */
  readonly hello: Readonly<MessageOf<"hello">> | undefined;
  /** True while the session is up and the board is heard. */
  readonly live: boolean;
  /** Times the board went silent for BOARD_LOST_AFTER_MS (each counted once, until a new HELLO). */
  readonly boardLost: number;
  /** Tasks heard of that have neither finished nor been dropped. */
  readonly open: number;
  readonly preemptions: number;
  /** Board events about tasks the host does not know (after a session change): counted, ignored. */
  readonly unknownEvents: number;
  /** Board time of the first arrival heard (Infinity before) and the latest event time the controller saw. */
  readonly firstNs: number;
  readonly lastNs: number;
  /** Every task heard of, by id. */
  readonly records: ReadonlyMap<number, Readonly<TaskRecord>>;
  /** Per arrival: frame received -> its commands sent, ns of host time. */
  readonly arrivalToCommandNs: readonly number[];
  /** Traps of the Wasm core survived (core/recoverable.ts), over every session. */
  readonly coreRestarts: number;
  /** Why the board was refused (it speaks an older protocol), undefined while none was. */
  readonly refused: string | undefined;
  /** Frames sent for decisions that issued commands, and how many commands they carried. */
  readonly commandFrames: number;
  readonly commandsSent: number;
  /** Sessions the board started (HELLOs that were not retransmissions); more than 1: it was reset. */
  readonly sessions: number;
  /** Open tasks re-issued to the board after a new session, and those dropped then (deadline passed). */
  readonly reissued: number;
  readonly resetDrops: number;
}

/** What the runtime emits: its events (events.ts; the monitor reads them as they are), and each new session. */
export interface HostRuntimeEvents {
  event: [RuntimeEvent];
  session: [hello: MessageOf<"hello">];
}

/** What the host sends while it has no session with the board (PROTOCOL.md §6.3), ms. */
const HELLO_REQUEST_EVERY_MS = 1000;
/** A board silent this long is lost (PROTOCOL.md §6.5: it sends HEARTBEAT every second), ms. */
export const BOARD_LOST_AFTER_MS = 3000;

export class HostRuntime extends EventEmitter<HostRuntimeEvents> {
  private readonly clock = new BoardClock();
  private readonly records = new Map<number, TaskRecord>();
  private readonly arrivalToCommandNs: number[] = [];
  private readonly decisionWork: number[] = [];
  private readonly decisionWallMicros: number[] = [];
  private hello?: MessageOf<"hello">;
  private controller?: RecoverableController;
  /** Core restarts of the sessions before the current one. */
  private restartsBefore = 0;
  private coreEvents = 0;
  private preemptions = 0;
  private resizes = 0;
  private lastEnergyPJ = 0;
  private firstNs = Infinity;
  private lastNs = 0;
  private unknownEvents = 0;
  /** Kept as a count: cheap to poll. */
  private open = 0;
  private readonly modelById: string[];
  private readonly modelByName: ReadonlyMap<string, ModelEntry>;
  private requestTimer?: NodeJS.Timeout;
  private epoch = 0;
  /** Added to the core's epochs in this session (sessionEpoch; 0 without it). */
  private epochBase = 0;
  private readonly externalLimit: ArrivalRateLimit;
  readonly external: ExternalArrivalStats = { accepted: 0, invalid: 0, rateLimited: 0, early: 0 };
  private refused?: string;
  private commandFrames = 0;
  private commandsSent = 0;

  constructor(private readonly opts: HostRuntimeOptions) {
    super();
    this.externalLimit = new ArrivalRateLimit(opts.externalRate);
    this.modelById = opts.models.map((m) => m.name);
    this.modelByName = new Map(opts.models.map((m) => [m.name, m]));
    if (opts.modelVariants) this.selector = new VariantSelector(opts.modelVariants.choices);
    opts.endpoint.on("message", (m) => this.onMessage(m));
    const settled = (m: Message) => {
      if (m.type === "preempt") this.preemptsInFlight.delete(m.taskId);
    };
    opts.endpoint.on("acked", settled);
    opts.endpoint.on("giveUp", settled);
    opts.endpoint.on("giveUp", (m, reason, unanswered) => this.onGiveUp(m, reason, unanswered));
    // an older board would take a BATCH for an unknown frame: no session at all (the endpoint has
    // NACKed its HELLO with "version")
    opts.endpoint.on("incompatible", (v, hello) =>
      this.refuse(
        hello
          ? `board ${hello.boardId} speaks protocol ${v} (firmware ${hello.fwMajor}.${hello.fwMinor}.${hello.fwPatch}); ` +
              `this host needs protocol ${PROTOCOL_VERSION} (one BATCH frame per decision): update the board's firmware`
          : `the board sent a protocol ${v} frame; this host speaks protocol ${PROTOCOL_VERSION} only`,
      ),
    );
  }

  /** Reports once that the board cannot be served (PROTOCOL.md "Versions"); the run's caller stops on it. */
  private refuse(why: string): void {
    if (this.refused !== undefined) return;
    this.refused = why;
    this.emit("event", { time: this.lastNs, note: { level: "error", text: why } });
  }

  /**
   * Tasks whose PREEMPT the board has not acknowledged yet. A placement may take their tiles, so it
   * is ordered behind those PREEMPTs (the endpoint orders frames per key, and a task's PREEMPT can
   * wait behind its own unacknowledged PLACE while another task's PLACE would go straight out).
   */
  private readonly preemptsInFlight = new Set<number>();
  /** Model variants: the selector, and the width chosen for each task that has one. */
  private readonly selector?: VariantSelector;
  private readonly variantOf = new Map<number, VariantChoice>();
  /** Tasks open when the current session began, whose ARRIVAL the board may send again. */
  private readonly reannounced = new Set<number>();

  private boardLost = 0;
  private live = false;
  private lastFrames = 0;
  private lastHeardMs = 0;

  /**
   * Asks the board for a session until it says HELLO, and again whenever it falls silent for
   * BOARD_LOST_AFTER_MS (a reset board, a cut cable): liveness, not scheduling, so a timer is fine.
   */
  start(): void {
    const tick = () => {
      const frames = this.opts.endpoint.stats.framesReceived;
      const now = performance.now();
      if (frames !== this.lastFrames) {
        this.lastFrames = frames;
        this.lastHeardMs = now;
      } else if (this.live && now - this.lastHeardMs >= lostAfter) {
        this.lose(`board silent for ${lostAfter / 1000} s`);
      }
      if (!this.live) this.opts.endpoint.send({ type: "hello_request" });
    };
    const lostAfter = this.opts.boardLostAfterMs ?? BOARD_LOST_AFTER_MS;
    this.lastHeardMs = performance.now();
    tick();
    this.requestTimer = setInterval(tick, HELLO_REQUEST_EVERY_MS);
    this.requestTimer.unref?.();
  }

  /** The session is over (the board is asked for a new one at the next tick, and every second after). */
  private lose(why: string): void {
    this.live = false;
    this.boardLost++;
    this.emit("event", { time: this.lastNs, note: { level: "error", text: `${why}: lost, asking for a new session` } });
  }

  /**
   * A command the link gave up on (no ACK after every retry) never reached the board, which would
   * keep the task waiting for it for ever: with a silence limit beyond the retries
   * (boardLostAfterMs), nothing else would notice. The session ends; the board's re-sync (or this
   * host's recovery) takes the task again.
   */
  private onGiveUp(m: Message, reason: string, unanswered: boolean): void {
    if (!this.live || !unanswered || this.opts.boardLostAfterMs === undefined) return;
    if (m.type === "hello_request") return;
    this.lose(`${m.type} not acknowledged (${reason})`);
    this.opts.endpoint.send({ type: "hello_request" });
  }

  stop(): void {
    clearInterval(this.requestTimer);
  }

  /** Is anyone listening to the event stream (a monitor)? Events are built only then: the frame handlers are the hot path. */
  private get watched(): boolean {
    return this.listenerCount("event") > 0;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get summary(): RuntimeSummary {
    return {
      hello: this.hello,
      live: this.live,
      boardLost: this.boardLost,
      open: this.open,
      preemptions: this.preemptions,
      unknownEvents: this.unknownEvents,
      firstNs: this.firstNs,
      lastNs: this.lastNs,
      records: this.records,
      arrivalToCommandNs: this.arrivalToCommandNs,
      coreRestarts: this.restartsBefore + (this.controller?.restarts ?? 0),
      refused: this.refused,
      commandFrames: this.commandFrames,
      commandsSent: this.commandsSent,
      sessions: this.sessions,
      reissued: this.reissued,
      resetDrops: this.resetDrops,
    };
  }

  /** Owning task id of every tile (-1 free) as the controller sees it; empty before the first session. */
  tileMap(): number[] {
    return this.controller?.tileMap() ?? [];
  }

  /** The controller's invariant check (0: consistent; see Controller.invariants), undefined before the first session. */
  invariants(): number | undefined {
    return this.controller?.invariants();
  }

  /**
   * A task from the external arrivals feed (JSON, link/external-arrival.ts), handed to the core the
   * moment it comes in, at the board time now. False (refused) when it does not parse or the board
   * clock is not known yet.
   */
  externalArrival(payload: Buffer): boolean {
    const r = parseExternalArrival(payload);
    if (!r.ok) {
      this.external.invalid++;
      return false;
    }
    if (!this.externalLimit.admit(performance.now())) {
      this.external.rateLimited++;
      return false;
    }
    if (!this.clock.aligned) {
      this.external.early++;
      return false;
    }
    this.external.accepted++;
    const { id, model, priority = 1, deadlineMs = 100 } = r.arrival;
    const now = this.clock.boardNowNs();
    this.onArrival({ taskId: id, model, priority, arrivalNs: now, deadlineNs: now + deadlineMs * 1e6 });
    return true;
  }

  private onMessage(m: Message): void {
    switch (m.type) {
      case "hello":
        this.onHello(m);
        return;
      case "arrival":
        this.clock.sample(m.arrivalNs);
        this.onArrival(m);
        return;
      case "stage_done":
        this.clock.sample(m.boardTimeNs);
        this.onStageDone(m);
        return;
      case "task_done":
        this.clock.sample(m.boardTimeNs);
        this.onTaskDone(m);
        return;
      case "heartbeat":
        this.clock.sample(m.boardTimeNs);
        return;
      case "telemetry":
        this.lastEnergyPJ = m.energyPJ;
        if (this.watched) this.emit("event", { time: m.boardTimeNs, telemetry: telemetryInfo(m) });
        return;
      default:
        return;
    }
  }

  private sessions = 0;
  private reissued = 0;
  private resetDrops = 0;

  private onHello(m: MessageOf<"hello">): void {
    // a new session: the board aborted whatever it held (its tiles are all free); the tasks still
    // open are re-issued or dropped below (recovery.ts), never left open
    if (this.opts.modelVariants && (m.flags & HELLO_FLAGS.modelVariants) === 0) {
      // it would run every task at full width while the records say otherwise: no session
      this.hello = m;
      this.controller = undefined;
      this.refuse(
        `board ${m.boardId} does not announce model variants (HELLO flag bit 3, firmware ${m.fwMajor}.${m.fwMinor}.${m.fwPatch}): ` +
          "run without variants, or update the board's firmware",
      );
      return;
    }
    this.sessions++;
    if (this.opts.sessionEpoch) {
      // before the endpoint ACKs this HELLO: the ACK carries the new base
      this.epochBase = this.opts.sessionEpoch(this.epoch);
      this.epoch = Math.max(this.epoch, this.epochBase);
    }
    this.hello = m;
    this.live = true;
    if (this.opts.resyncOpenTasks) {
      for (const r of this.records.values()) if (r.finishNs === undefined && r.dropped === undefined) this.reannounced.add(r.id);
    }
    this.preemptsInFlight.clear();
    this.lastHeardMs = performance.now();
    this.clock.reset();
    this.clock.sample(m.boardTimeNs);
    const board = { mesh: { width: m.meshWidth, height: m.meshHeight, torus: (m.flags & 1) !== 0 } };
    // synchronously: the board's first ARRIVAL may be the very next frame
    this.restartsBefore += this.controller?.restarts ?? 0;
    this.controller = new RecoverableController({
      board,
      policy: this.opts.policy,
      models: this.opts.models,
      seed: this.opts.seed,
      solveBudget: this.opts.solveBudget,
      params: this.opts.params,
    });
    this.emit("session", m);
    this.emit("event", {
      time: m.boardTimeNs,
      hello: { board: m.boardId, policy: this.opts.policy, width: m.meshWidth, height: m.meshHeight },
    });
    // a fleet board announces its open tasks again itself (resyncOpenTasks): nothing to re-issue here
    if (this.open === 0 || this.opts.resyncOpenTasks) return;
    // the tasks open now, decided once the endpoint has ACKed this HELLO (PROTOCOL.md §6.3: no
    // command before the ACK; the ACK goes out as soon as this handler returns)
    const ctl = this.controller;
    const now = this.now(m.boardTimeNs);
    const plan = planRecovery(this.records.values(), now);
    queueMicrotask(() => {
      // a later HELLO in the same chunk replaced the controller: its own plan covers these tasks
      if (this.controller === ctl) this.recover(ctl, plan, now);
    });
  }

  /** After a new session: every open task is admitted again or, past its deadline, dropped (recovery.ts). */
  private recover(ctl: RecoverableController, plan: RecoveryPlan, now: number): void {
    for (const r of plan.expired) {
      if (r.finishNs !== undefined || r.dropped !== undefined) continue;
      r.dropped = RESET_DROP_REASON;
      this.open--;
      this.resetDrops++;
      // the board holds it aborted until told (PROTOCOL.md §6.1): DROP ends it there too
      const drop: Command = { kind: "drop", epoch: this.epoch, taskId: r.id, reason: "deadline" };
      if (this.watched) this.emit("event", { time: now, command: drop });
      this.opts.endpoint.send(commandToMessage(drop), r.id);
    }
    for (const r of plan.reissue) {
      if (r.finishNs !== undefined || r.dropped !== undefined) continue;
      this.reissued++;
      const model = this.variantOf.get(r.id)?.model ?? r.model;
      const d = ctl.arrival({ id: r.id, model, priority: r.priority, arrivalNs: r.arrivalNs, deadlineNs: r.deadlineNs }, now);
      this.deliver(d.commands, d.work, d.micros, now);
    }
    if (this.watched && plan.expired.length + plan.reissue.length > 0)
      this.emit("event", {
        time: now,
        note: {
          level: "warn",
          text: `new board session: ${plan.reissue.length} open tasks re-issued, ${plan.expired.length} dropped (deadline passed)`,
        },
      });
  }

  /** Debug (`coreTrapEvery`): the core traps at this event, and the controller recovers from it. */
  private armTrapIfDue(ctl: RecoverableController): void {
    const every = this.opts.coreTrapEvery;
    if (every !== undefined && ++this.coreEvents % every === 0) ctl.debugTrapNext();
  }

  /** Board time of an event: its own timestamp, never behind what the controller has seen. */
  private now(boardTimeNs: number): number {
    this.lastNs = Math.max(this.lastNs, boardTimeNs);
    return this.lastNs;
  }

  private onArrival(
    m: { taskId: number; modelId?: number; model?: string; priority: number; frame?: number; arrivalNs: number; deadlineNs: number },
    receivedNs = process.hrtime.bigint(),
  ): void {
    const ctl = this.controller;
    const model = m.model ?? this.modelById[m.modelId ?? -1] ?? `model#${m.modelId}`;
    const again = this.reannounced.delete(m.taskId); // open before a new session, announced again (resyncOpenTasks)
    if (this.records.has(m.taskId) && !again) {
      // the same task reported twice (feed and board); or, in a fleet (resyncOpenTasks), the board
      // announces again a task this host dropped in the old session: the DROP was lost with it
      if (this.opts.resyncOpenTasks) this.dropAgain(m.taskId);
      return;
    }
    const ref = this.opts.reference?.get(m.taskId);
    const entry = this.modelByName.get(model);
    if (!again) {
      this.open++;
      this.records.set(m.taskId, {
        id: m.taskId,
        model,
        frame: m.frame === undefined || m.frame === NO_FRAME ? undefined : m.frame,
        priority: m.priority,
        arrivalNs: m.arrivalNs,
        deadlineNs: m.deadlineNs,
        isolatedNs: ref?.isolatedNs ?? entry?.isolatedNs ?? 0,
        isolatedEnergyPJ: ref?.isolatedEnergyPJ ?? 0,
        preemptions: 0,
      });
    }
    this.firstNs = Math.min(this.firstNs, m.arrivalNs);
    const task = { id: m.taskId, model, priority: m.priority, arrivalNs: m.arrivalNs, deadlineNs: m.deadlineNs };
    // model variants: the width is chosen now (the record says so before the arrival is reported);
    // a task of the external feed (no model id: the board samples it itself) runs at full width
    const choose = ctl && !this.refusing && !again && m.modelId !== undefined;
    const choice = choose ? this.chooseVariant(task, this.now(m.arrivalNs)) : this.variantOf.get(m.taskId);
    if (this.watched) this.emit("event", { time: m.arrivalNs, arrival: choice ? { ...task, lossPoints: choice.lossPoints } : task });
    if (this.refusing) {
      this.refuseTask(m.taskId);
      return;
    }
    if (!ctl) return; // no session: PROTOCOL.md §6.3, the board sends nothing before its HELLO is ACKed
    this.armTrapIfDue(ctl);
    const d = ctl.arrival(choice ? { ...task, model: choice.model } : task, this.now(m.arrivalNs));
    const variant: DecisionMessage[] =
      choice && choice.width !== 1 && !again ? [{ type: "variant", taskId: m.taskId, modelId: this.modelById.indexOf(choice.model) }] : [];
    this.deliver(d.commands, d.work, d.micros, m.arrivalNs, variant);
    this.arrivalToCommandNs.push(Number(process.hrtime.bigint() - receivedNs));
  }

  /** The model variant task `task` runs (VariantSelector), noted on its record; undefined without variants. */
  private chooseVariant(task: { id: number; model: string; deadlineNs: number }, now: number): VariantChoice | undefined {
    const choice = this.selector?.choose(task, now);
    if (!choice) return undefined;
    this.variantOf.set(task.id, choice);
    const rec = this.records.get(task.id)!;
    rec.width = choice.width;
    rec.accuracyLoss = choice.lossPoints;
    return choice;
  }

  /** A task dropped here that the board still holds (resyncOpenTasks): the same DROP once more. */
  private dropAgain(taskId: number): void {
    const rec = this.records.get(taskId)!;
    if (rec.dropped === undefined || rec.finishNs !== undefined || !this.controller) return;
    const reason: DropReason = rec.dropped in DROP_REASON_CODES ? (rec.dropped as DropReason) : "deadline";
    const c: Command = { kind: "drop", epoch: this.epoch, taskId, reason };
    if (this.watched) this.emit("event", { time: this.lastNs, command: c });
    this.opts.endpoint.send(commandToMessage(c), taskId);
  }

  private onStageDone(m: MessageOf<"stage_done">): void {
    const ctl = this.controller;
    if (!ctl || !this.records.has(m.taskId)) {
      this.unknownEvents++;
      return;
    }
    const rec = this.records.get(m.taskId)!;
    if (rec.finishNs !== undefined) return; // a late retransmission after TASK_DONE (PROTOCOL.md §5.3)
    if (this.watched) this.emit("event", { time: m.boardTimeNs, board: stageEvent(m) });
    this.armTrapIfDue(ctl);
    const d = ctl.stageDone(m.taskId, m.stage, m.busyNs, this.now(m.boardTimeNs));
    this.deliver(d.commands, d.work, d.micros, m.boardTimeNs);
  }

  private onTaskDone(m: MessageOf<"task_done">): void {
    const ctl = this.controller;
    const rec = this.records.get(m.taskId);
    if (!ctl || !rec) {
      this.unknownEvents++;
      return;
    }
    if (rec.finishNs !== undefined) return;
    if (rec.dropped === undefined) this.open--;
    this.selector?.ended(m.taskId);
    rec.finishNs = m.boardTimeNs;
    rec.energyPJ = m.energyPJ;
    if (this.watched) this.emit("event", { time: m.boardTimeNs, board: doneEvent(m) });
    this.armTrapIfDue(ctl);
    const d = ctl.taskDone(m.taskId, this.now(m.boardTimeNs));
    this.deliver(d.commands, d.work, d.micros, m.boardTimeNs);
  }

  /** A decision's commands to the board, after `pre` (a VARIANT for the task whose arrival it answers). */
  private deliver(commands: Command[], work: number, micros: number, time: number, pre: DecisionMessage[] = []): void {
    this.decisionWork.push(work);
    this.decisionWallMicros.push(micros);
    if (this.watched) this.emit("event", { time, decision: { micros, work } });
    const messages: DecisionMessage[] = [...pre];
    for (const made of commands) {
      const c = this.epochBase === 0 ? made : { ...made, epoch: made.epoch + this.epochBase };
      this.epoch = Math.max(this.epoch, c.epoch);
      const rec = this.records.get(c.taskId);
      if (c.kind === "place" || c.kind === "resume") this.selector?.started(c.taskId, time);
      if (c.kind === "drop") {
        this.selector?.ended(c.taskId);
        if (rec && rec.dropped === undefined && rec.finishNs === undefined) {
          rec.dropped = c.reason;
          this.open--;
        }
      } else if (c.kind === "preempt") {
        this.preemptions++;
        if (rec) rec.preemptions++;
      } else if (rec && notePlacement(rec, c, time)) this.resizes++;
      if (this.watched) this.emit("event", { time, command: c });
      messages.push(commandToMessage(c));
    }
    if (messages.length > 0) this.send(messages);
  }

  /**
   * Sends a decision's commands as one frame (packDecision: a BATCH, or the lone command), ordered
   * by the endpoint behind every unacknowledged command of a task it names, and, when it places or
   * resumes, behind every PREEMPT in flight from earlier frames (its tiles may be theirs). Inside
   * one BATCH the board applies a PREEMPT before the placement after it, so no wait is needed there.
   */
  private send(messages: DecisionMessage[]): void {
    for (const frame of packDecision(messages)) {
      const cmds = frame.type === "batch" ? frame.commands : [frame];
      const keys = new Set<OrderKey>();
      for (const c of cmds) {
        keys.add(c.taskId);
        if (c.type === "schedule" || c.type === "resume") for (const t of this.preemptsInFlight) keys.add(t);
      }
      for (const c of cmds) if (c.type === "preempt") this.preemptsInFlight.add(c.taskId);
      this.opts.endpoint.send(frame, [...keys]);
      this.commandFrames++;
      this.commandsSent += cmds.length;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Shutdown (host/commands/run.ts): stop admitting, let running tasks finish, drop the rest

  /** Set by stopAdmitting(): every arrival from then on is dropped at once (why: `refusing`). */
  private refusing?: string;
  /** DROPs sent at a shutdown, not acknowledged yet: the task counts as dropped once the board ACKs. */
  private readonly dropsInFlight = new Map<number, string>();

  /**
   * From now on every new arrival is answered with a DROP (on the wire "queue-full", the only
   * reason the protocol has for "not taken"; in the run's records `why`) instead of going to the core.
   */
  stopAdmitting(why: string): void {
    if (this.refusing !== undefined) return;
    this.refusing = why;
    this.opts.endpoint.on("acked", (m) => {
      if (m.type !== "drop") return;
      const reason = this.dropsInFlight.get(m.taskId);
      if (reason === undefined) return;
      this.dropsInFlight.delete(m.taskId);
      const rec = this.records.get(m.taskId);
      // a TASK_DONE that crossed the DROP: it finished after all
      if (!rec || rec.finishNs !== undefined || rec.dropped !== undefined) return;
      rec.dropped = reason;
      this.open--;
    });
  }

  /**
   * Drops every task still open (arrived, neither finished nor dropped) while the board is heard:
   * each counts as dropped (`why`) once the board acknowledges its DROP; a board that is lost, or
   * that never answers, keeps them counted as lost. Returns how many DROPs went out.
   */
  dropOpen(why: string): number {
    if (!this.live) return 0;
    let n = 0;
    for (const rec of this.records.values()) {
      if (rec.finishNs !== undefined || rec.dropped !== undefined || this.dropsInFlight.has(rec.id)) continue;
      this.sendDrop(rec.id, why);
      n++;
    }
    return n;
  }

  /** A task that arrived while the runtime no longer admits (shutdown): dropped at once. */
  private refuseTask(taskId: number): void {
    if (this.controller) {
      this.sendDrop(taskId, this.refusing!);
      return;
    }
    this.records.get(taskId)!.dropped = this.refusing; // no session: nothing to tell the board
    this.open--;
  }

  private sendDrop(taskId: number, why: string): void {
    const c: Command = { kind: "drop", epoch: this.epoch, taskId, reason: "queue-full" };
    this.dropsInFlight.set(taskId, why);
    if (this.watched) this.emit("event", { time: this.lastNs, command: c });
    this.opts.endpoint.send(commandToMessage(c), taskId);
  }

  /** The run so far as the simulator's RunLog (metrics are computed the same way). */
  runLog(extra: TaskRecord[] = []): RunLog {
    const tasks = [...this.records.values(), ...extra];
    // a loop, not Math.max(...): tens of thousands of arguments overflow the stack
    let last = Math.max(this.lastNs, this.firstNs === Infinity ? 0 : this.firstNs);
    for (const t of tasks) if (t.finishNs !== undefined && t.finishNs > last) last = t.finishNs;
    return {
      tasks,
      arrivalToCommandNs: this.arrivalToCommandNs,
      decisionWork: this.decisionWork,
      decisionWallMicros: this.decisionWallMicros,
      // the board's running total as of its last TELEMETRY, or the tasks' own energies when those
      // already add up to more (TELEMETRY is periodic, so the last one may predate the end)
      energyPJ: Math.max(
        this.lastEnergyPJ,
        tasks.reduce((s, t) => s + (t.energyPJ ?? 0), 0),
      ),
      spanNs: Math.max(0, last - (this.firstNs === Infinity ? 0 : this.firstNs)),
      preemptions: this.preemptions,
      resizes: this.resizes,
      ...(this.opts.modelVariants ? { modelVariants: true } : {}),
    };
  }
}
