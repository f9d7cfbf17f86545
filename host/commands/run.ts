// `immsched run`: the runtime beside a board. Opens the link, waits for the board's HELLO, hands
// every arrival and completion to the core at once and sends its commands back, shows progress
// live, and ends with a summary (optionally as JSON): the metrics of `immsched bench`, the task
// tally, the link counters and the host's arrival -> command latency.
//
// How long it runs: the in-process board (sim, mqtt) raises the scenario's streams over
// `--duration` seconds of board time (default: the scenario's own window) and the run ends once
// every task settled; against a real board (serial, MQTT) the board owns the workload, and the run
// lasts `--duration` seconds of wall time, or until it is stopped. SIGINT/SIGTERM stop it cleanly
// (stop admitting, let running tasks finish within `--grace-ms`, drop the rest, summary, link
// closed, exit 0); a second signal exits at once with 130. With `--monitor` the dashboard stays
// after the run, showing the final summary, until the process is stopped.

import { recordOf } from "../sim/records.js";
import { writeFileAtomic } from "../formats/write-atomic.js";
import type { ControllerParams, PolicyName } from "../core/controller.js";
import { loadScenario, type Scenario } from "../workloads/scenario.js";
import { computeMetrics, isLate, percentile, type Metrics } from "../sim/metrics.js";
import type { TaskRecord } from "../sim/types.js";
import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import type { FrameTransport } from "../../firmware-bridge/link/transport.js";
import { transportPair } from "../../firmware-bridge/link/pair.js";
import { SerialTransport } from "../../firmware-bridge/link/serial.js";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { MQTT_RETRY_MS, SERIAL_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../firmware-bridge/link/broker.js";
import { VirtualBoard } from "../../firmware-bridge/board/virtual-board.js";
import type { BoardArrival } from "../../firmware-bridge/board/profile.js";
import { variantProfileOf } from "../workloads/variant-table.js";
import { FrameDependencies } from "../../firmware-bridge/board/frame-dependencies.js";
import { HostRuntime, type RuntimeSummary } from "../runtime/host-runtime.js";
import type { BoardSpec } from "../runtime/board-spec.js";
import { startMonitor, DEFAULT_MONITOR_PORT, type Monitor } from "../monitor/server.js";
import type { BoardLiveness, RunPhase } from "../monitor/run-status.js";
import type { WorkloadArrival } from "../workloads/arrivals.js";
import { createLogger, type Logger } from "../log/logger.js";
import { type ShutdownSignals, shutdownSignals } from "./signals.js";
import { EXIT_OK, EXIT_FAILURE } from "./exit.js";
import { RunTraceRecorder } from "../trace/run-recorder.js";

import { DEFAULT_GRACE_MS } from "./grace.js";
/** After the grace period, time the board gets to acknowledge the DROPs before the link is closed. */
const DROP_ACK_WAIT_MS = 2000;
/** Why a task was dropped at a shutdown (the run's records; on the wire DROP says "queue-full"). */
export const SHUTDOWN_REASON = "shutdown";

export interface RunCommandOptions {
  board: BoardSpec;
  scenario: string;
  policy: PolicyName;
  /**
   * How long the workload runs, s: board time of the in-process board's streams, wall time against a
   * real board. Undefined: the scenario's own window in process, until stopped against a real board.
   */
  duration?: number;
  /** Time running tasks get to finish at a shutdown, ms (default DEFAULT_GRACE_MS). */
  graceMs?: number;
  seed: number;
  /** Board time per wall time of the in-process virtual board (sim, mqtt). */
  timeScale?: number;
  mesh: { width: number; height: number };
  json?: string;
  /** Record the run's schedule IR (docs/IR.md) to this file. */
  trace?: string;
  monitor?: number | boolean;
  quiet?: boolean;
  /** Debug: the core traps before every Nth event and the host recovers (core/recoverable.ts). */
  coreTrapEvery?: number;
  /** Tuned settings (a `immsched tune --out` file given as --config): controller knobs and solve budget. */
  params?: ControllerParams;
  solveBudget?: number;
  /** Structured log (host/log/logger.ts); default pretty, info, on stderr. */
  logger?: Logger;
  /** MQTT broker credentials (from the environment only: host/config). */
  mqttAuth?: { username?: string; password?: string };
  /** Model variants (README "Model variants"): each task's width chosen at its arrival, sent as VARIANT. */
  variants?: boolean;
}

export interface RunSummary {
  metrics: Metrics;
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  link: {
    framesSent: number;
    framesReceived: number;
    framesRejected: number;
    retries: number;
    duplicates: number;
    /** Faults of the link itself: a serial port gone, a broker connection lost (survived, counted). */
    transportErrors: number;
  };
  host: { arrivalToCommandMicrosP50: number; arrivalToCommandMicrosP99: number; coreRestarts: number };
}

/**
 * Scenario tasks the board never raised because the frame they depend on was dropped: the
 * virtual-time simulator counts them as dropped ("dependency"), so the run does too. At the end
 * of a run (`final`), a task whose parent frame never arrived at all counts the same way.
 */
export function dependencyDrops(expected: Iterable<Expected>, records: ReadonlyMap<number, TaskRecord>, final: boolean): TaskRecord[] {
  // only a dropped parent matters here: the host cannot tell a child held on the board from one not yet due
  const deps = new FrameDependencies<TaskRecord>((r) => (r.dropped !== undefined ? "dropped" : "open"));
  for (const r of records.values()) deps.register(r);
  const out: TaskRecord[] = [];
  for (const a of expected) {
    if (records.has(a.id) || !a.after) continue;
    const parentGone = deps.parent(a.after) ? deps.fate(a.after) === "drop" : final;
    if (!parentGone) continue;
    const rec: TaskRecord = { ...recordOf(a), dropped: "dependency" };
    out.push(rec);
    deps.register(rec);
  }
  return out;
}

/** What the host keeps of a scenario task: its references, not its profile (the board's business). */
type Expected = Omit<WorkloadArrival, "profile" | "sample">;

/**
 * The tasks the host expects to hear of. In process it sees every arrival the board reads from the
 * scenario's stream (`tee`) and keeps it until it heard of the task: its references for the records
 * (`get`), and the ones never heard (behind a dropped frame) for the summary. Against a real board
 * it has the scenario's own window, and only the tasks up to the last one heard are expected.
 */
class ExpectedTasks {
  private readonly byId = new Map<number, Expected>();
  private lastHeard = 0;

  constructor(private readonly known?: readonly WorkloadArrival[]) {
    if (known) for (const a of known) this.byId.set(a.id, a);
  }

  /** The board's arrivals, each noted as the board reads it (an array: all at once, and the board reads it as an array). */
  tee(source: Iterable<WorkloadArrival>): Iterable<WorkloadArrival> {
    if (Array.isArray(source)) {
      for (const a of source as WorkloadArrival[]) this.note(a);
      return source;
    }
    return this.noting(source);
  }

  private *noting(source: Iterable<WorkloadArrival>): Generator<WorkloadArrival, void, undefined> {
    for (const a of source) {
      this.note(a);
      yield a;
    }
  }

  private note(a: WorkloadArrival): void {
    const { profile: _p, sample: _s, ...rest } = a;
    this.byId.set(a.id, rest);
  }

  get(id: number): Expected | undefined {
    return this.byId.get(id);
  }

  /** Forgets the tasks the host has heard of (in process: nothing is read from them again). */
  forgetHeard(records: ReadonlyMap<number, unknown>): void {
    for (const id of records.keys()) if (id > this.lastHeard) this.lastHeard = id;
    if (this.known) return;
    for (const id of this.byId.keys()) if (records.has(id)) this.byId.delete(id);
  }

  /**
   * Tasks that may still be counted: every one read in process; against a real board, those up to
   * the last heard, and any later one whose parent frame was heard (the board never raises a frame
   * whose parent it dropped, so nothing after it may be heard at all).
   */
  *candidates(records: ReadonlyMap<number, TaskRecord>): Generator<Expected> {
    let parents: Set<string> | undefined;
    for (const a of this.byId.values()) {
      if (!this.known || a.id <= this.lastHeard) yield a;
      else if (a.after) {
        parents ??= new Set([...records.values()].map((r) => `${r.model}#${r.frame}`));
        if (parents.has(`${a.after.model}#${a.after.frame}`)) yield a;
      }
    }
  }
}

/** The run so far; `final` at the end, when frames whose parent never arrived count as dropped. */
export function summarize(runtime: HostRuntime, endpoint: Endpoint, expected: ExpectedTasks | undefined, final = true): RunSummary {
  const records = runtime.summary.records;
  expected?.forgetHeard(records);
  const extra = expected ? dependencyDrops(expected.candidates(records), records, final) : [];
  const log = runtime.runLog(extra);
  const tasks = log.tasks;
  const completed = tasks.filter((t) => t.finishNs !== undefined).length;
  const dropped = tasks.filter((t) => t.dropped !== undefined && t.finishNs === undefined).length;
  const micros = runtime.summary.arrivalToCommandNs.map((ns) => ns / 1000);
  return {
    metrics: computeMetrics(log),
    tasks: {
      // as the virtual-time bench counts: frames the board never raised because the frame they
      // depend on was dropped are tasks of the run, dropped ("dependency")
      arrived: tasks.length,
      completed,
      late: tasks.filter(isLate).length,
      dropped,
      lost: Math.max(0, tasks.length - completed - dropped),
    },
    link: {
      framesSent: endpoint.stats.framesSent,
      framesReceived: endpoint.stats.framesReceived,
      framesRejected: endpoint.stats.framesRejected,
      retries: endpoint.stats.retries,
      duplicates: endpoint.stats.duplicates,
      transportErrors: endpoint.transport.stats.errors,
    },
    host: {
      arrivalToCommandMicrosP50: percentile(micros, 50),
      arrivalToCommandMicrosP99: percentile(micros, 99),
      coreRestarts: runtime.summary.coreRestarts,
    },
  };
}

/** The tile map as rows of task ids ("·" free), for the live view. */
function meshPicture(owners: number[], width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y * width < owners.length; y++) {
    const cells = owners.slice(y * width, (y + 1) * width).map((o) => (o < 0 ? "   ·" : String(o % 10000).padStart(4)));
    rows.push(`   ${cells.join("")}`);
  }
  return rows;
}

/** The link to the board: the host's transport, and the board's when the virtual board runs in this process. */
interface Link {
  host: FrameTransport;
  board?: FrameTransport;
  broker?: EmbeddedBroker;
  /** ACK timeout of this kind of link. */
  retryMs: number;
}

/** Opens the link `--board` names (throws when the device or broker cannot be reached). */
async function openLink(spec: BoardSpec, auth: RunCommandOptions["mqttAuth"] = {}): Promise<Link> {
  switch (spec.kind) {
    case "sim": {
      const [host, board] = transportPair();
      return { host, board, retryMs: SERIAL_RETRY_MS };
    }
    case "mqtt-embedded": {
      const broker = await startEmbeddedBroker();
      const host = await MqttTransport.open({ url: broker.url, boardId: spec.boardId, side: "host", externalArrivals: true });
      const board = await MqttTransport.open({ url: broker.url, boardId: spec.boardId, side: "board", externalArrivals: true });
      return { host, board, broker, retryMs: MQTT_RETRY_MS };
    }
    case "serial":
      return { host: await SerialTransport.open(spec.path, spec.baud), retryMs: SERIAL_RETRY_MS };
    case "mqtt":
      return {
        // a persistent session: feed arrivals published while this host is away wait for it (mqtt.ts)
        host: await MqttTransport.open({
          url: spec.url,
          boardId: spec.boardId,
          side: "host",
          externalArrivals: true,
          persistentSession: true,
          ...auth,
        }),
        retryMs: MQTT_RETRY_MS,
      };
  }
}

/** The host's endpoint and the runtime behind it; the endpoint ACKs with the controller's epoch, so it asks the runtime. */
function startRuntime(
  link: Link,
  scenario: Scenario,
  expected: ExpectedTasks,
  opts: RunCommandOptions,
): { runtime: HostRuntime; endpoint: Endpoint } {
  const reference = expected;
  let runtime: HostRuntime | undefined;
  const endpoint = new Endpoint(link.host, { side: "host", retryMs: link.retryMs, ackEpoch: () => runtime?.currentEpoch ?? 0 });
  runtime = new HostRuntime({
    endpoint,
    policy: opts.policy,
    models: scenario.models,
    reference,
    seed: opts.seed,
    coreTrapEvery: opts.coreTrapEvery,
    params: opts.params,
    solveBudget: opts.solveBudget,
    ...(scenario.modelVariants ? { modelVariants: { choices: scenario.modelVariants.choices } } : {}),
  });
  return { runtime, endpoint };
}

/** Arrivals published by other services (MQTT): handed to the core the moment they come in. Returns the refused count so far. */
function listenForExternalArrivals(link: Link, runtime: HostRuntime): () => number {
  let refused = 0;
  link.host.onExternal?.((payload) => {
    if (!runtime.externalArrival(payload)) refused++;
  });
  return () => refused;
}

/** The live dashboard, when `--monitor` asks for it, fed every runtime event. */
async function startMonitorIfAsked(opts: RunCommandOptions, runtime: HostRuntime): Promise<Monitor | undefined> {
  if (opts.monitor === undefined || opts.monitor === false) return undefined;
  const port = opts.monitor === true ? DEFAULT_MONITOR_PORT : opts.monitor;
  const monitor = await startMonitor({ port, board: opts.board.kind, policy: opts.policy });
  runtime.on("event", (e) => monitor.push(e));
  process.stdout.write(`monitor: ${monitor.url}\n`);
  return monitor;
}

/**
 * The virtual board on the board's end of an in-process link (sim, embedded MQTT): it raises the
 * scenario's streams over `--duration` (generated as it goes: arrival-stream.ts), or the scenario's
 * own window, and the host sees each arrival it reads (`expected`).
 */
function virtualBoard(link: Link, scenario: Scenario, expected: ExpectedTasks, opts: RunCommandOptions): VirtualBoard | undefined {
  if (!link.board) return undefined;
  const arrivals = opts.duration === undefined ? scenario.arrivals : scenario.stream(opts.duration * 1000);
  const table = scenario.modelVariants;
  return new VirtualBoard({
    // model variants: the board runs a task's own sample at the width the host chose (VARIANT)
    ...(table ? { variantProfile: (a: BoardArrival, model: string) => variantProfileOf(table, model, (a as WorkloadArrival).sample) } : {}),
    transport: link.board,
    retryMs: link.retryMs,
    boardId: opts.board.kind === "mqtt-embedded" ? opts.board.boardId : "sim",
    mesh: opts.mesh,
    scenario: { models: scenario.models, arrivals: expected.tee(arrivals) },
    timeScale: opts.timeScale ?? 1,
  });
}

/** The progress view: one line (and on a terminal the mesh under it), redrawn in place on a terminal. */
function progressView(
  runtime: HostRuntime,
  endpoint: Endpoint,
  expected: ExpectedTasks,
  opts: RunCommandOptions,
): { draw(): void; tty: boolean } {
  const out = process.stdout;
  const tty = out.isTTY && !opts.quiet;
  let drawn = 0;
  const draw = () => {
    const s = summarize(runtime, endpoint, expected, false);
    const run = runtime.summary;
    const t = run.hello ? (run.lastNs - (run.firstNs === Infinity ? 0 : run.firstNs)) / 1e6 : 0;
    const line =
      `t ${t.toFixed(1).padStart(7)} ms · arrived ${s.tasks.arrived} · done ${s.tasks.completed} · late ${s.tasks.late}` +
      ` · dropped ${s.tasks.dropped} · pre-empted ${run.preemptions} · decision p50 ${s.host.arrivalToCommandMicrosP50.toFixed(0)} µs` +
      ` · frames ${s.link.framesSent}/${s.link.framesReceived} rejected ${s.link.framesRejected}`;
    if (tty) {
      const rows = meshPicture(runtime.tileMap(), run.hello?.meshWidth ?? opts.mesh.width);
      if (drawn) out.write(`\x1b[${drawn}F\x1b[J`);
      const block = [line, ...rows];
      out.write(`${block.join("\n")}\n`);
      drawn = block.length;
    } else if (!opts.quiet) out.write(`${line}\n`);
  };
  return { draw, tty };
}

/** What ended the workload: it settled (in process), the duration ran out (real board), or a signal. */
type EndReason = "workload done" | "duration" | "board refused" | NodeJS.Signals;

/** The run's moving parts the waiting loops look at. */
interface Live {
  runtime: HostRuntime;
  endpoint: Endpoint;
  board?: VirtualBoard;
  monitor?: Monitor;
  view: { draw(): void; tty: boolean };
  expected: ExpectedTasks;
  signals: ShutdownSignals;
  log: Logger;
  opts: RunCommandOptions;
  phase: RunPhase;
  liveness: BoardLiveness;
  reason?: EndReason;
}

/** Progress lines in the log: one after the first second, then every PROGRESS_LOG_MS (wall). */
const PROGRESS_LOG_MS = 5000;

const mb = (bytes: number) => Math.round(bytes / 1048576);

/** One progress line: the tally so far and the process's memory (a service left running must stay flat). */
function logProgress(l: Live): void {
  const s = summarize(l.runtime, l.endpoint, l.expected, false);
  const mem = process.memoryUsage();
  l.log.info(
    {
      tasks: s.tasks,
      violationRate: Number(s.metrics.violationRate.toFixed(4)),
      framesRejected: s.link.framesRejected,
      rssMB: mb(mem.rss),
      heapUsedMB: mb(mem.heapUsed),
    },
    "progress",
  );
}

/** Tells the dashboard (and the log) where the run stands when that changed. */
function noteStatus(l: Live, phase: RunPhase, summary?: RunSummary): void {
  const run = l.runtime.summary;
  const liveness: BoardLiveness = !run.hello ? "waiting" : run.live ? "live" : "lost";
  if (liveness !== l.liveness) {
    if (liveness === "lost") l.log.error({ boardLost: run.boardLost }, "board lost: silent for 3 s, asking it for a new session");
    else if (liveness === "live")
      l.log.info({ board: run.hello?.boardId, mesh: `${run.hello?.meshWidth}x${run.hello?.meshHeight}` }, "board session up");
  }
  if (phase === l.phase && liveness === l.liveness && !summary) return;
  l.phase = phase;
  l.liveness = liveness;
  l.monitor?.setStatus({ phase, board: liveness, reason: l.reason, summary });
}

/**
 * Polls every 20 ms (redrawing the progress view) until `done` or a signal; resolves with what
 * ended it. Timers here never touch the scheduling path: frames are handled as they come.
 */
function waitUntil(l: Live, phase: RunPhase, done: () => EndReason | undefined): Promise<EndReason> {
  return new Promise<EndReason>((resolve) => {
    let lastDraw = 0;
    let nextLog = performance.now() + 1000;
    const finish = (why: EndReason) => {
      clearInterval(tick);
      resolve(why);
    };
    const tick = setInterval(() => {
      const now = performance.now();
      if (!l.opts.quiet && now - lastDraw >= (l.view.tty ? 200 : 1000)) {
        l.view.draw();
        lastDraw = now;
      }
      noteStatus(l, phase);
      if (now >= nextLog) {
        logProgress(l);
        nextLog = now + PROGRESS_LOG_MS;
      }
      if (l.signals.signal) return finish(l.signals.signal);
      const why = done();
      if (why) finish(why);
    }, 20);
  });
}

/**
 * The run proper: until the in-process board's workload settled (every task ended and every
 * command ACKed), the duration ran out against a real board, or a signal.
 */
function untilWorkloadEnds(l: Live, started: number): Promise<EndReason> {
  let boardDone = false;
  void l.board?.finished.then((s) => (boardDone = s.complete));
  const realBoardDeadline = l.board || l.opts.duration === undefined ? Infinity : started + l.opts.duration * 1000;
  return waitUntil(l, "running", () => {
    // cheap checks first: this timer shares the thread with the frame handlers
    if (boardDone && l.runtime.summary.open === 0 && l.endpoint.pending === 0) return "workload done";
    if (l.runtime.summary.refused !== undefined) return "board refused";
    if (performance.now() >= realBoardDeadline) return "duration";
    return undefined;
  });
}

/**
 * Clean shutdown: stop admitting (new arrivals are dropped at once), give running tasks `graceMs`
 * to finish, drop the rest ("shutdown"), then wait for the board to acknowledge the DROPs. A
 * second signal meanwhile exits at once (signals.ts).
 */
async function drain(l: Live): Promise<void> {
  const graceMs = l.opts.graceMs ?? DEFAULT_GRACE_MS;
  l.runtime.stopAdmitting(SHUTDOWN_REASON);
  l.log.info({ reason: l.reason, graceMs, open: l.runtime.summary.open }, "stopping: no new tasks admitted, running tasks finishing");
  const t0 = performance.now();
  const graceOver = () => (l.runtime.summary.open === 0 || performance.now() - t0 >= graceMs ? "workload done" : undefined);
  // the first signal is already in: only the grace period or the open count end this wait
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      noteStatus(l, "draining");
      if (graceOver()) {
        clearInterval(tick);
        resolve();
      }
    }, 20);
  });
  const dropped = l.runtime.dropOpen(SHUTDOWN_REASON);
  if (dropped > 0) l.log.warn({ dropped, graceMs }, "tasks still running after the grace period dropped");
  const t1 = performance.now();
  while (l.endpoint.pending > 0 && performance.now() - t1 < DROP_ACK_WAIT_MS) await new Promise((r) => setTimeout(r, 10));
}

/** The closing summary lines. */
function summaryText(
  summary: RunSummary,
  scenario: Scenario,
  opts: RunCommandOptions,
  wallS: number,
  link: Link,
  run: RuntimeSummary,
  externalRefused: number,
): string {
  const m = summary.metrics;
  return [
    "",
    `summary · ${scenario.name} · ${opts.policy} · ${wallS.toFixed(1)} s wall`,
    `  tasks     arrived ${summary.tasks.arrived} · completed ${summary.tasks.completed} · late ${summary.tasks.late} · dropped ${summary.tasks.dropped} · lost ${summary.tasks.lost}`,
    `  metrics   violations ${(100 * m.violationRate).toFixed(1)} % · XRBench score ${m.xrbenchScore.toFixed(1)} · ANTT ${m.antt.toFixed(2)} · STP ${m.stp.toFixed(2)} · latency p50 ${m.latencyP50Ms.toFixed(2)} ms p99 ${m.latencyP99Ms.toFixed(2)} ms · energy ${m.energyMJ.toFixed(1)} mJ` +
      `${m.accuracyLoss !== undefined ? ` · accuracy lost ${m.accuracyLoss.toFixed(2)} points per completed task (model variants)` : ""}`,
    `  link      frames sent ${summary.link.framesSent} · received ${summary.link.framesReceived} · rejected ${summary.link.framesRejected} · retries ${summary.link.retries}` +
      `${summary.link.duplicates ? ` · duplicates ${summary.link.duplicates}` : ""}` +
      `${externalRefused ? ` · external arrivals refused ${externalRefused}` : ""}` +
      `${link.host.stats.errors ? ` · link faults ${link.host.stats.errors} (last: ${link.host.stats.lastError})` : ""}` +
      `${run.boardLost ? ` · board lost ${run.boardLost}x` : ""}` +
      `${run.sessions > 1 ? ` · board sessions ${run.sessions}: ${run.reissued} tasks re-issued, ${run.resetDrops} dropped (deadline passed)` : ""}`,
    `  host      arrival -> commands sent: p50 ${summary.host.arrivalToCommandMicrosP50.toFixed(1)} µs · p99 ${summary.host.arrivalToCommandMicrosP99.toFixed(1)} µs` +
      `${summary.host.coreRestarts ? ` · core traps survived ${summary.host.coreRestarts}` : ""}`,
    "",
  ].join("\n");
}

/** Runs the scenario against the board `--board` names: open the link, start runtime (and board), wait for the end, report. */
export async function runCommand(opts: RunCommandOptions): Promise<number> {
  // installed first: a signal during start-up also ends the run cleanly
  const signals = shutdownSignals();
  try {
    return await run(opts, signals);
  } finally {
    signals.dispose();
  }
}

async function run(opts: RunCommandOptions, signals: ShutdownSignals): Promise<number> {
  const log = opts.logger ?? createLogger();
  const meshTarget = { mesh: { width: opts.mesh.width, height: opts.mesh.height, torus: false } };
  const scenario = loadScenario(opts.scenario, { seed: opts.seed, board: meshTarget, modelVariants: opts.variants });

  const link = await openLink(opts.board, opts.mqttAuth);
  const inProcess = link.board !== undefined;
  const expected = new ExpectedTasks(inProcess ? undefined : scenario.arrivals);
  const { runtime, endpoint } = startRuntime(link, scenario, expected, opts);
  const externalRefused = listenForExternalArrivals(link, runtime);
  const tracer = opts.trace
    ? new RunTraceRecorder(runtime, {
        ...opts,
        scenario: scenario.name,
        profiles: new Map(scenario.arrivals.map((a) => [a.id, a.profile])),
        modelVariants: opts.variants,
      })
    : undefined;
  const monitor = await startMonitorIfAsked(opts, runtime);
  const board = virtualBoard(link, scenario, expected, opts);

  const where = opts.board.kind === "sim" ? "virtual board (in-process link)" : link.host.describe;
  process.stdout.write(`immsched run · ${where} · scenario ${scenario.name} · policy ${opts.policy} · seed ${opts.seed}\n`);
  const length =
    opts.duration !== undefined
      ? `${opts.duration} s of ${inProcess ? "board" : "wall"} time`
      : inProcess
        ? "the scenario's own window"
        : "until stopped";
  log.info(
    { board: where, scenario: scenario.name, policy: opts.policy, seed: opts.seed, workload: length, rssMB: mb(process.memoryUsage().rss) },
    "run started",
  );
  runtime.start();
  board?.start();

  const started = performance.now();
  const view = progressView(runtime, endpoint, expected, opts);
  const l: Live = { runtime, endpoint, board, monitor, view, expected, signals, log, opts, phase: "starting", liveness: "waiting" };
  l.reason = await untilWorkloadEnds(l, started);
  if (l.reason !== "workload done" && l.reason !== "board refused") await drain(l);
  view.draw();

  runtime.stop();
  board?.stop();
  endpoint.close();
  await link.host.close();
  await link.board?.close();
  await link.broker?.close();

  const summary = summarize(runtime, endpoint, expected);
  const run = runtime.summary;
  process.stdout.write(summaryText(summary, scenario, opts, (performance.now() - started) / 1000, link, run, externalRefused()));
  if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
  if (opts.trace && tracer)
    await tracer.finish(summary.metrics, dependencyDrops(expected.candidates(run.records), run.records, true)).save(opts.trace);
  log.info(
    { reason: l.reason, tasks: summary.tasks, violationRate: summary.metrics.violationRate, rssMB: mb(process.memoryUsage().rss) },
    "run ended",
  );

  if (run.refused !== undefined) {
    // an older board (PROTOCOL.md "Versions"): nothing to wait for
    await monitor?.close();
    process.stderr.write(`immsched: ${run.refused} (${where})\n`);
    return EXIT_FAILURE;
  }
  if (monitor) {
    noteStatus(l, "ended", summary);
    if (!signals.signal) {
      // the dashboard stays with the final summary until the process is stopped
      process.stdout.write(`run ended; the dashboard stays at ${monitor.url} until stopped (Ctrl-C)\n`);
      log.info({ url: monitor.url }, "run ended; dashboard still serving until stopped");
      await signals.requested;
    }
    await monitor.close();
  }
  if (!run.hello && !signals.signal) {
    process.stderr.write(`immsched: no HELLO from the board (${where})\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
