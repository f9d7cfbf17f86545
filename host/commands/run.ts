// `immsched run`: the runtime beside a board. Opens the link, waits for the board's HELLO, hands
// every arrival and completion to the core at once and sends its commands back, shows progress
// live, and ends with a summary (optionally as JSON): the metrics of `immsched bench`, the task
// tally, the link counters and the host's arrival -> command latency.

import { recordOf } from "../sim/records.js";
import { writeFileAtomic } from "../formats/write-atomic.js";
import type { PolicyName } from "../core/controller.js";
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
import { FrameDependencies } from "../../firmware-bridge/board/frame-dependencies.js";
import { HostRuntime, type RuntimeSummary } from "../runtime/host-runtime.js";
import type { BoardSpec } from "../runtime/board-spec.js";
import { startMonitor, DEFAULT_MONITOR_PORT, type Monitor } from "../monitor/server.js";
import { EXIT_OK, EXIT_FAILURE } from "./exit.js";
import { RunTraceRecorder } from "../trace/run-recorder.js";

export interface RunCommandOptions {
  board: BoardSpec;
  scenario: string;
  policy: PolicyName;
  /** Longest wall time of the run, s (it ends earlier once every task of the scenario settled). */
  duration: number;
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
}

export interface RunSummary {
  metrics: Metrics;
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  link: { framesSent: number; framesReceived: number; framesRejected: number; retries: number; duplicates: number };
  host: { arrivalToCommandMicrosP50: number; arrivalToCommandMicrosP99: number; coreRestarts: number };
}

/**
 * Scenario tasks the board never raised because the frame they depend on was dropped: the
 * virtual-time simulator counts them as dropped ("dependency"), so the run does too. At the end
 * of a run (`final`), a task whose parent frame never arrived at all counts the same way.
 */
export function dependencyDrops(scenario: Scenario, records: ReadonlyMap<number, TaskRecord>, final: boolean): TaskRecord[] {
  // only a dropped parent matters here: the host cannot tell a child held on the board from one not yet due
  const deps = new FrameDependencies<TaskRecord>((r) => (r.dropped !== undefined ? "dropped" : "open"));
  for (const r of records.values()) deps.register(r);
  const out: TaskRecord[] = [];
  for (const a of scenario.arrivals) {
    if (records.has(a.id) || !a.after) continue;
    const parentGone = deps.parent(a.after) ? deps.fate(a.after) === "drop" : final;
    if (!parentGone) continue;
    const rec: TaskRecord = { ...recordOf(a), dropped: "dependency" };
    out.push(rec);
    deps.register(rec);
  }
  return out;
}

/**
 * Has every task ended: none the host heard of is open (scenario or external), and every task of
 * the scenario was heard of or will never be raised (behind a dropped frame)? The open count is
 * checked first: the rest walks every task.
 */
function allSettled(run: RuntimeSummary, scenario: Scenario): boolean {
  if (run.open > 0) return false;
  const never = new Set(dependencyDrops(scenario, run.records, false).map((t) => t.id));
  return scenario.arrivals.every((a) => run.records.has(a.id) || never.has(a.id));
}

/** The run so far; `final` at the end, when frames whose parent never arrived count as dropped. */
export function summarize(runtime: HostRuntime, endpoint: Endpoint, scenario: Scenario | undefined, final = true): RunSummary {
  const extra = scenario ? dependencyDrops(scenario, runtime.summary.records, final) : [];
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
async function openLink(spec: BoardSpec): Promise<Link> {
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
        host: await MqttTransport.open({ url: spec.url, boardId: spec.boardId, side: "host", externalArrivals: true }),
        retryMs: MQTT_RETRY_MS,
      };
  }
}

/** The host's endpoint and the runtime behind it; the endpoint ACKs with the controller's epoch, so it asks the runtime. */
function startRuntime(link: Link, scenario: Scenario, opts: RunCommandOptions): { runtime: HostRuntime; endpoint: Endpoint } {
  const reference = new Map(scenario.arrivals.map((a) => [a.id, { isolatedNs: a.isolatedNs, isolatedEnergyPJ: a.isolatedEnergyPJ }]));
  let runtime: HostRuntime | undefined;
  const endpoint = new Endpoint(link.host, { side: "host", retryMs: link.retryMs, ackEpoch: () => runtime?.currentEpoch ?? 0 });
  runtime = new HostRuntime({
    endpoint,
    policy: opts.policy,
    models: scenario.models,
    reference,
    seed: opts.seed,
    coreTrapEvery: opts.coreTrapEvery,
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

/** The virtual board on the board's end of an in-process link (sim, embedded MQTT). */
function virtualBoard(link: Link, scenario: Scenario, opts: RunCommandOptions): VirtualBoard | undefined {
  if (!link.board) return undefined;
  return new VirtualBoard({
    transport: link.board,
    retryMs: link.retryMs,
    boardId: opts.board.kind === "mqtt-embedded" ? opts.board.boardId : "sim",
    mesh: opts.mesh,
    scenario,
    timeScale: opts.timeScale ?? 1,
  });
}

/** The progress view: one line (and on a terminal the mesh under it), redrawn in place on a terminal. */
function progressView(
  runtime: HostRuntime,
  endpoint: Endpoint,
  scenario: Scenario,
  opts: RunCommandOptions,
): { draw(): void; tty: boolean } {
  const out = process.stdout;
  const tty = out.isTTY && !opts.quiet;
  let drawn = 0;
  const draw = () => {
    const s = summarize(runtime, endpoint, scenario, false);
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

/**
 * Waits for the end of the run: every scenario task settled (and every command ACKed), the
 * duration up, or Ctrl-C; redraws the progress view meanwhile.
 */
async function untilRunEnds(
  runtime: HostRuntime,
  endpoint: Endpoint,
  scenario: Scenario,
  opts: RunCommandOptions,
  view: { draw(): void; tty: boolean },
  started: number,
): Promise<void> {
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await new Promise<void>((resolve) => {
    let lastDraw = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      if (!opts.quiet && now - lastDraw >= (view.tty ? 200 : 1000)) {
        view.draw();
        lastDraw = now;
      }
      // cheap checks first: this timer shares the thread with the frame handlers
      const run = runtime.summary;
      const done = run.hello !== undefined && endpoint.pending === 0 && allSettled(run, scenario);
      if (done || interrupted || run.refused !== undefined || now - started >= opts.duration * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 20);
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
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
    `  metrics   violations ${(100 * m.violationRate).toFixed(1)} % · XRBench score ${m.xrbenchScore.toFixed(1)} · ANTT ${m.antt.toFixed(2)} · STP ${m.stp.toFixed(2)} · latency p50 ${m.latencyP50Ms.toFixed(2)} ms p99 ${m.latencyP99Ms.toFixed(2)} ms · energy ${m.energyMJ.toFixed(1)} mJ`,
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
  const meshTarget = { mesh: { width: opts.mesh.width, height: opts.mesh.height, torus: false } };
  const scenario = loadScenario(opts.scenario, { seed: opts.seed, board: meshTarget });

  const link = await openLink(opts.board);
  const { runtime, endpoint } = startRuntime(link, scenario, opts);
  const externalRefused = listenForExternalArrivals(link, runtime);
  const tracer = opts.trace
    ? new RunTraceRecorder(runtime, {
        ...opts,
        scenario: scenario.name,
        profiles: new Map(scenario.arrivals.map((a) => [a.id, a.profile])),
      })
    : undefined;
  const monitor = await startMonitorIfAsked(opts, runtime);
  const board = virtualBoard(link, scenario, opts);

  const where = opts.board.kind === "sim" ? "virtual board (in-process link)" : link.host.describe;
  process.stdout.write(`immsched run · ${where} · scenario ${scenario.name} · policy ${opts.policy} · seed ${opts.seed}\n`);
  runtime.start();
  board?.start();

  const started = performance.now();
  const view = progressView(runtime, endpoint, scenario, opts);
  await untilRunEnds(runtime, endpoint, scenario, opts, view, started);
  view.draw();

  runtime.stop();
  await board?.stop();
  endpoint.close();
  await link.host.close();
  await link.board?.close();
  await link.broker?.close();
  await monitor?.close();

  const summary = summarize(runtime, endpoint, scenario);
  const run = runtime.summary;
  process.stdout.write(summaryText(summary, scenario, opts, (performance.now() - started) / 1000, link, run, externalRefused()));
  if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
  if (opts.trace && tracer) await tracer.finish(summary.metrics, dependencyDrops(scenario, run.records, true)).save(opts.trace);
  if (run.refused !== undefined) {
    // an older board (PROTOCOL.md "Versions"): nothing to wait for
    process.stderr.write(`immsched: ${run.refused} (${where})\n`);
    return EXIT_FAILURE;
  }
  if (!run.hello) {
    process.stderr.write(`immsched: no HELLO from the board within ${opts.duration} s (${where})\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
