// `immsched run`: the runtime beside a board. Opens the link, waits for the board's HELLO, hands
// every arrival and completion to the core at once and sends its commands back, shows progress
// live, and ends with a summary (optionally as JSON): the metrics of `immsched bench`, the task
// tally, the link counters and the host's arrival -> command latency.

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
import { parseExternalArrival } from "../../firmware-bridge/link/external-arrival.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../firmware-bridge/link/broker.js";
import { VirtualBoard } from "../../firmware-bridge/board/virtual-board.js";
import { FrameDependencies } from "../../firmware-bridge/board/frame-dependencies.js";
import { HostRuntime } from "../runtime/host-runtime.js";
import type { BoardSpec } from "../runtime/board-spec.js";
import { startMonitor, DEFAULT_MONITOR_PORT, type Monitor } from "../monitor/server.js";
import { EXIT_OK, EXIT_FAILURE } from "./exit.js";

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
  monitor?: number | boolean;
  quiet?: boolean;
}

export interface RunSummary {
  metrics: Metrics;
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  link: { framesSent: number; framesReceived: number; framesRejected: number; retries: number };
  host: { arrivalToCommandMicrosP50: number; arrivalToCommandMicrosP99: number };
}

/**
 * Scenario tasks the board never raised because the frame they depend on was dropped: the
 * virtual-time simulator counts them as dropped ("dependency"), so the run does too. At the end
 * of a run (`final`), a task whose parent frame never arrived at all counts the same way.
 */
function dependencyDrops(scenario: Scenario, records: ReadonlyMap<number, TaskRecord>, final: boolean): TaskRecord[] {
  // only a dropped parent matters here: the host cannot tell a child held on the board from one not yet due
  const deps = new FrameDependencies<TaskRecord>((r) => (r.dropped !== undefined ? "dropped" : "open"));
  for (const r of records.values()) deps.register(r);
  const out: TaskRecord[] = [];
  for (const a of scenario.arrivals) {
    if (records.has(a.id) || !a.after) continue;
    const parentGone = deps.parent(a.after) ? deps.fate(a.after) === "drop" : final;
    if (!parentGone) continue;
    const rec: TaskRecord = {
      id: a.id, model: a.model, frame: a.frame, priority: a.priority, arrivalNs: a.arrivalNs, deadlineNs: a.deadlineNs,
      isolatedNs: a.isolatedNs, isolatedEnergyPJ: a.isolatedEnergyPJ, dropped: "dependency", preemptions: 0,
    };
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
function allSettled(runtime: HostRuntime, scenario: Scenario): boolean {
  if (runtime.open > 0) return false;
  const never = new Set(dependencyDrops(scenario, runtime.records, false).map((t) => t.id));
  return scenario.arrivals.every((a) => runtime.records.has(a.id) || never.has(a.id));
}

/** The run so far; `final` at the end, when frames whose parent never arrived count as dropped. */
export function summarize(runtime: HostRuntime, endpoint: Endpoint, scenario: Scenario | undefined, final = true): RunSummary {
  const extra = scenario ? dependencyDrops(scenario, runtime.records, final) : [];
  const log = runtime.runLog(extra);
  const tasks = log.tasks;
  const completed = tasks.filter((t) => t.finishNs !== undefined).length;
  const dropped = tasks.filter((t) => t.dropped !== undefined && t.finishNs === undefined).length;
  const micros = runtime.arrivalToCommandNs.map((ns) => ns / 1000);
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
    },
    host: { arrivalToCommandMicrosP50: percentile(micros, 50), arrivalToCommandMicrosP99: percentile(micros, 99) },
  };
}

/** The tile map as rows of task ids ("·" free), for the live view. */
function meshPicture(owners: number[], width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y * width < owners.length; y++) {
    const cells = owners.slice(y * width, (y + 1) * width).map((o) => (o < 0 ? "   ·" : String(o % 10000).padStart(4)));
    rows.push("   " + cells.join(""));
  }
  return rows;
}

export async function runCommand(opts: RunCommandOptions): Promise<number> {
  const out = process.stdout;
  const meshTarget = { mesh: { width: opts.mesh.width, height: opts.mesh.height, torus: false } };
  const scenario = loadScenario(opts.scenario, { seed: opts.seed, board: meshTarget });
  const reference = new Map(scenario.arrivals.map((a) => [a.id, { isolatedNs: a.isolatedNs, isolatedEnergyPJ: a.isolatedEnergyPJ }]));

  // the link
  let broker: EmbeddedBroker | undefined;
  let hostTransport: FrameTransport;
  let board: VirtualBoard | undefined;
  let boardTransport: FrameTransport | undefined;
  let retryMs = SERIAL_RETRY_MS;
  const spec = opts.board;
  if (spec.kind === "sim") {
    [hostTransport, boardTransport] = transportPair();
  } else if (spec.kind === "mqtt-embedded") {
    broker = await startEmbeddedBroker();
    hostTransport = await MqttTransport.open({ url: broker.url, boardId: spec.boardId, side: "host", externalArrivals: true });
    boardTransport = await MqttTransport.open({ url: broker.url, boardId: spec.boardId, side: "board", externalArrivals: true });
    retryMs = MQTT_RETRY_MS;
  } else if (spec.kind === "serial") {
    hostTransport = await SerialTransport.open(spec.path, spec.baud);
  } else {
    hostTransport = await MqttTransport.open({ url: spec.url, boardId: spec.boardId, side: "host", externalArrivals: true });
    retryMs = MQTT_RETRY_MS;
  }

  // the endpoint ACKs with the controller's epoch, and the runtime needs the endpoint first
  let runtime: HostRuntime | undefined;
  const endpoint = new Endpoint(hostTransport, { side: "host", retryMs, ackEpoch: () => runtime?.currentEpoch ?? 0 });
  runtime = new HostRuntime({ endpoint, policy: opts.policy, models: scenario.models, reference, seed: opts.seed });

  // arrivals published by other services (MQTT): handed to the core the moment they come in
  let externalRejected = 0;
  if (hostTransport.onExternal) {
    hostTransport.onExternal((payload) => {
      const r = parseExternalArrival(payload);
      if (!r.ok || !runtime.clock.aligned) {
        externalRejected++;
        return;
      }
      const { id, model, priority = 1, deadlineMs = 100 } = r.arrival;
      const now = runtime.clock.boardNowNs();
      runtime.onArrival({ taskId: id, model, priority, arrivalNs: now, deadlineNs: now + deadlineMs * 1e6 });
    });
  }

  let monitor: Monitor | undefined;
  if (opts.monitor !== undefined && opts.monitor !== false) {
    const port = opts.monitor === true ? DEFAULT_MONITOR_PORT : opts.monitor;
    monitor = await startMonitor({ port, board: spec.kind, policy: opts.policy });
    runtime.on("event", (e) => monitor!.push(e));
    out.write(`monitor: ${monitor.url}\n`);
  }

  if (boardTransport) {
    board = new VirtualBoard({
      transport: boardTransport,
      retryMs,
      boardId: spec.kind === "mqtt-embedded" ? spec.boardId : "sim",
      mesh: opts.mesh,
      scenario,
      timeScale: opts.timeScale ?? 1,
    });
  }

  const where = spec.kind === "sim" ? "virtual board (in-process link)" : hostTransport.describe;
  out.write(`immsched run · ${where} · scenario ${scenario.name} · policy ${opts.policy} · seed ${opts.seed}\n`);

  runtime.start();
  board?.start();

  const tty = out.isTTY && !opts.quiet;
  let drawn = 0;
  const draw = () => {
    const s = summarize(runtime, endpoint, scenario, false);
    const t = runtime.hello ? (runtime.lastNs - (runtime.firstNs === Infinity ? 0 : runtime.firstNs)) / 1e6 : 0;
    const line =
      `t ${t.toFixed(1).padStart(7)} ms · arrived ${s.tasks.arrived} · done ${s.tasks.completed} · late ${s.tasks.late}` +
      ` · dropped ${s.tasks.dropped} · pre-empted ${runtime.preemptions} · decision p50 ${s.host.arrivalToCommandMicrosP50.toFixed(0)} µs` +
      ` · frames ${s.link.framesSent}/${s.link.framesReceived} rejected ${s.link.framesRejected}`;
    if (tty) {
      const rows = runtime.controller ? meshPicture(runtime.controller.tileMap(), runtime.hello?.meshWidth ?? opts.mesh.width) : [];
      if (drawn) out.write(`\x1b[${drawn}F\x1b[J`);
      const block = [line, ...rows];
      out.write(block.join("\n") + "\n");
      drawn = block.length;
    } else if (!opts.quiet) out.write(line + "\n");
  };

  // the run ends when every scenario task settled, when the duration is up, or on Ctrl-C
  const started = performance.now();
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
      if (!opts.quiet && now - lastDraw >= (tty ? 200 : 1000)) {
        draw();
        lastDraw = now;
      }
      // cheap checks first: this timer shares the thread with the frame handlers
      const done = runtime.hello !== undefined && endpoint.pending === 0 && allSettled(runtime, scenario);
      if (done || interrupted || now - started >= opts.duration * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 20);
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  draw();

  runtime.stop();
  await board?.stop();
  endpoint.close();
  await hostTransport.close();
  await boardTransport?.close();
  await broker?.close();
  await monitor?.close();

  const summary = summarize(runtime, endpoint, scenario);
  const m = summary.metrics;
  out.write(
    [
      "",
      `summary · ${scenario.name} · ${opts.policy} · ${((performance.now() - started) / 1000).toFixed(1)} s wall`,
      `  tasks     arrived ${summary.tasks.arrived} · completed ${summary.tasks.completed} · late ${summary.tasks.late} · dropped ${summary.tasks.dropped} · lost ${summary.tasks.lost}`,
      `  metrics   violations ${(100 * m.violationRate).toFixed(1)} % · XRBench score ${m.xrbenchScore.toFixed(1)} · ANTT ${m.antt.toFixed(2)} · STP ${m.stp.toFixed(2)} · latency p50 ${m.latencyP50Ms.toFixed(2)} ms p99 ${m.latencyP99Ms.toFixed(2)} ms · energy ${m.energyMJ.toFixed(1)} mJ`,
      `  link      frames sent ${summary.link.framesSent} · received ${summary.link.framesReceived} · rejected ${summary.link.framesRejected} · retries ${summary.link.retries}` +
        `${externalRejected ? ` · external arrivals refused ${externalRejected}` : ""}` +
        `${hostTransport.stats.errors ? ` · link faults ${hostTransport.stats.errors} (last: ${hostTransport.stats.lastError})` : ""}` +
        `${runtime.boardLost ? ` · board lost ${runtime.boardLost}x` : ""}`,
      `  host      arrival -> commands sent: p50 ${summary.host.arrivalToCommandMicrosP50.toFixed(1)} µs · p99 ${summary.host.arrivalToCommandMicrosP99.toFixed(1)} µs`,
      "",
    ].join("\n"),
  );
  if (opts.json) await writeFileAtomic(opts.json, JSON.stringify(summary, null, 2) + "\n");
  if (!runtime.hello) {
    process.stderr.write(`immsched: no HELLO from the board within ${opts.duration} s (${where})\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
