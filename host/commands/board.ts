// `immsched board`: a virtual accelerator board (firmware-bridge/board/virtual-board.ts) on a
// serial line or MQTT. It plays a scenario's arrivals in wall time and executes whatever host
// connects (`immsched run` on the other end of a pty pair or broker), so the host runtime can be
// tested end to end without hardware.

import { type Command, Option } from "commander";
import { boardId, meshSize, mqttUrl, positiveInteger, positiveNumber, seedValue } from "./options.js";
import { VirtualBoard, type BoardStats, type BoardSummary } from "../../firmware-bridge/board/virtual-board.js";
import type { FrameTransport } from "../../firmware-bridge/link/transport.js";
import { SerialTransport, DEFAULT_BAUD } from "../../firmware-bridge/link/serial.js";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { MQTT_RETRY_MS, SERIAL_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { type FaultSpec, FaultyTransport, parseFaults } from "../../firmware-bridge/link/faults.js";
import { loadScenario, type Scenario } from "../workloads/scenario.js";
import { variantProfileOf } from "../workloads/variant-table.js";
import type { WorkloadArrival } from "../workloads/arrivals.js";
import type { BoardArrival } from "../../firmware-bridge/board/profile.js";
import { sampleTask } from "../workloads/profiles.js";
import { InputError } from "../formats/input-error.js";
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK } from "./exit.js";

export interface BoardCommandOptions {
  serial?: string;
  baud?: number;
  mqtt?: string;
  /** Board id (default "vboard"). */
  id?: string;
  mesh?: { width: number; height: number };
  /** Default "VR_gaming". */
  scenario?: string;
  seed?: number;
  durationMs?: number;
  /** Board ns per wall ns (default 1). */
  timeScale?: number;
  /** ACK timeout; default SERIAL_RETRY_MS on serial, MQTT_RETRY_MS on MQTT (firmware-bridge/link/retry.ts). */
  retryMs?: number;
  heartbeatMs?: number;
  telemetryMs?: number;
  /** MQTT: also run the JSON arrivals published on immsched/<id>/arrivals. */
  externalArrivals?: boolean;
  /** Fault injection (firmware-bridge/link/faults.ts): a parsed spec, or the `--faults` text. */
  faults?: FaultSpec | string;
  quiet?: boolean;
  /** Model variants (README "Model variants"): the model table lists every width, HELLO announces VARIANT. */
  variants?: boolean;
  /** Programmatic use (tests): stops the board like SIGINT does. */
  abort?: AbortSignal;
  /** Programmatic use: where the summary (out) and progress/messages (err) go. */
  io?: { out: (text: string) => void; err: (text: string) => void };
}

export const DEFAULT_BOARD_ID = "vboard";
export const DEFAULT_SCENARIO = "VR_gaming";
/** After the last task: time left for the host's last retransmissions to be re-ACKed. */
const LINGER_MAX_MS = 2000;

/** Adds `immsched board` and its options to the program. */
export function registerBoardCommand(program: Command): Command {
  return program
    .command("board")
    .description("run a virtual accelerator board (the accelerator model in wall time) behind the wire protocol, on a serial line or MQTT")
    .option("--serial <path>", "serial device (a UART, or one end of a socat pty pair)")
    .option("--baud <n>", `serial line rate (default ${DEFAULT_BAUD})`, positiveInteger("--baud"))
    .option("--mqtt <url>", "MQTT broker URL, e.g. mqtt://127.0.0.1:1883")
    .addOption(new Option("--id <id>", "board id (HELLO, MQTT topics)").argParser(boardId).default(DEFAULT_BOARD_ID))
    .addOption(new Option("--mesh <WxH>", "mesh of tiles").argParser(meshSize("--mesh")).default({ width: 8, height: 8 }, "8x8"))
    .option("--scenario <spec>", 'XRBench scenario name or .m file, JSON trace file, or "dysta"', DEFAULT_SCENARIO)
    .option("--seed <n>", "workload seed", seedValue, 1)
    .option("--duration-ms <t>", "length of the arrival window in ms (default: the scenario's)", positiveNumber("--duration-ms"))
    .option("--time-scale <x>", "board ns per wall ns (2 runs the board twice as fast as real time)", positiveNumber("--time-scale"), 1)
    .option("--retry-ms <ms>", `ACK timeout (default ${SERIAL_RETRY_MS} on serial, ${MQTT_RETRY_MS} on MQTT)`, positiveNumber("--retry-ms"))
    .option("--heartbeat-ms <ms>", "HEARTBEAT period (default 1000)", positiveNumber("--heartbeat-ms"))
    .option("--telemetry-ms <ms>", "TELEMETRY period (default 250)", positiveNumber("--telemetry-ms"))
    .option("--external-arrivals", "MQTT: also run the JSON tasks published on immsched/<id>/arrivals")
    .option(
      "--faults <spec>",
      "inject link faults: drop=P,corrupt=P,dup=P,delay=MS,reset-after=SEC[,seed=N] (P a probability or a percentage, both directions)",
    )
    .option("--quiet", "no progress lines")
    .option(
      "--variants",
      "model variants: list every model's width variants in the model table and run the width a VARIANT names (HELLO flag bit 3)",
    )
    .action(async (opts: BoardCommandOptions) => {
      process.exitCode = await boardCommand(opts);
    });
}

// ---------------------------------------------------------------------------------------------

function checkOptions(o: BoardCommandOptions): string | null {
  if (o.serial === undefined && o.mqtt === undefined) return "give --serial PATH or --mqtt URL";
  if (o.serial !== undefined && o.mqtt !== undefined) return "give either --serial or --mqtt, not both";
  if (o.baud !== undefined && o.serial === undefined) return "--baud applies to --serial only";
  if (o.externalArrivals && o.mqtt === undefined) return "--external-arrivals needs --mqtt (the feed is an MQTT topic)";
  try {
    if (o.mqtt !== undefined) mqttUrl(o.mqtt);
    if (o.id !== undefined) boardId(o.id);
    if (o.serial !== undefined && o.serial.trim() === "") return "--serial needs a device path";
  } catch (e) {
    return (e as Error).message;
  }
  const positive: Array<[string, number | undefined]> = [
    ["--time-scale", o.timeScale],
    ["--retry-ms", o.retryMs],
    ["--heartbeat-ms", o.heartbeatMs],
    ["--telemetry-ms", o.telemetryMs],
    ["--duration-ms", o.durationMs],
    ["--baud", o.baud],
  ];
  for (const [flag, v] of positive)
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) return `${flag} must be a positive number, got ${v}`;
  if (
    o.mesh &&
    !(
      Number.isInteger(o.mesh.width) &&
      Number.isInteger(o.mesh.height) &&
      o.mesh.width >= 1 &&
      o.mesh.height >= 1 &&
      o.mesh.width * o.mesh.height <= 256
    )
  ) {
    return `--mesh must have integer sides and at most 256 tiles, got ${o.mesh.width}x${o.mesh.height}`;
  }
  return null;
}

const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;

function progressLine(s: BoardStats, wallMs: number, total: number | undefined): string {
  const live = s.tasksRaised + s.externalTasks - s.tasksDone - s.tasksDropped - s.tasksAborted;
  return (
    `board: ${(wallMs / 1000).toFixed(0)} s wall, board ${(s.boardTimeNs / 1e9).toFixed(3)} s · ` +
    `raised ${s.tasksRaised}${total !== undefined ? `/${total}` : ""}${s.externalTasks ? ` +${s.externalTasks} external` : ""} · done ${s.tasksDone} · ` +
    `dropped ${s.tasksDropped + s.droppedDependency} · live ${Math.max(0, live)} · commands ${s.commandsApplied} · ` +
    `frames tx ${s.link.framesSent} rx ${s.link.framesReceived} · retries ${s.link.retries} · session ${s.sessions}\n`
  );
}

export function summaryText(s: BoardSummary, header: string): string {
  const l = s.link;
  return [
    `# immsched board`,
    header,
    `${s.complete ? "finished" : "stopped"} after ${(s.wallMs / 1000).toFixed(2)} s wall (board clock ${(s.boardTimeNs / 1e9).toFixed(3)} s)` +
      `${s.execution ? ` · ${s.execution === "spatial" ? "tile-spatial" : "layer-temporal"} execution` : ""}`,
    `tasks: ${s.tasksRaised} raised, ${s.externalTasks} external, ${s.tasksDone} done, ${s.tasksDropped} dropped, ` +
      `${s.droppedDependency} not raised (parent dropped), ${s.tasksAborted} aborted by a new session` +
      (s.tasksAborted ? ` (${s.tasksReissued} re-issued by the host, ${s.tasksUnclaimed} never claimed)` : ""),
    `commands: ${s.commandsApplied} applied, ${s.staleCommands} stale, ${s.unknownCommands} for unknown or ended tasks, ${s.badCommands} bad (ERROR 5)` +
      (s.unreportedStages ? ` · ${s.unreportedStages} layer completions past layer 63 not reported (STAGE_DONE carries 0..63)` : ""),
    `link: ${l.framesSent} frames sent, ${l.framesReceived} received, ${l.framesRejected} rejected, ${l.retries} retries, ` +
      `${l.duplicates} duplicates, ${l.lost} lost · sessions ${s.sessions} (${s.sessionsUp} established) · ${s.heartbeats} heartbeats, ${s.telemetry} telemetry`,
    `energy: ${(s.energyPJ / 1e9).toFixed(3)} mJ${s.workloadOriginNs !== null ? ` · workload time 0 = board ${ms(s.workloadOriginNs)}` : ""}`,
    "",
  ].join("\n");
}

/** What the faults did, injected (both directions) beside what this board's endpoint saw of them. */
export function faultsText(f: FaultyTransport, s: BoardSummary): string {
  const { tx, rx } = f.injected;
  return (
    `faults injected: sent ${tx.dropped} dropped, ${tx.corrupted} corrupted, ${tx.duplicated} duplicated, ${tx.delayed} delayed · ` +
    `received ${rx.dropped} dropped, ${rx.corrupted} corrupted, ${rx.duplicated} duplicated, ${rx.delayed} delayed · ${f.injected.resets} resets\n` +
    `faults seen here: ${s.link.framesRejected} frames rejected, ${s.link.duplicates} duplicates, ${s.link.retries} retries, ${s.tasksAborted} tasks aborted by new sessions, ` +
    `${s.transport.errors} link faults (port or broker connection lost)\n`
  );
}

/** Runs the board until every task ended or a signal; 0 when it ran, 2 on bad input, 1 when the link cannot be opened. */
export async function boardCommand(opts: BoardCommandOptions): Promise<number> {
  const io = opts.io ?? { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };
  const fail = (code: number, msg: string) => {
    io.err(`immsched board: ${msg}\n`);
    return code;
  };
  const problem = checkOptions(opts);
  if (problem) return fail(EXIT_BAD_INPUT, problem);
  let faults: FaultSpec | undefined;
  try {
    faults = typeof opts.faults === "string" ? parseFaults(opts.faults) : opts.faults;
  } catch (e) {
    return fail(EXIT_BAD_INPUT, (e as Error).message);
  }

  const mesh = opts.mesh ?? { width: 8, height: 8 };
  const id = opts.id ?? DEFAULT_BOARD_ID;
  const seed = opts.seed ?? 1;
  let scenario: Scenario;
  try {
    // the scenario's own window; a --duration-ms window is streamed (generated as the board raises it)
    scenario = loadScenario(opts.scenario ?? DEFAULT_SCENARIO, {
      seed,
      board: { mesh: { ...mesh, torus: false } },
      modelVariants: opts.variants,
    });
  } catch (e) {
    if (e instanceof InputError) return fail(EXIT_BAD_INPUT, e.message);
    throw e;
  }
  let transport: FrameTransport;
  try {
    transport = await openTransport(opts, id);
  } catch (e) {
    return fail(EXIT_FAILURE, (e as Error).message);
  }
  const faulty = faults ? new FaultyTransport(transport, faults, faults.seed ?? seed) : undefined;
  if (faulty) transport = faulty;

  const retryMs = opts.retryMs ?? (opts.serial !== undefined ? SERIAL_RETRY_MS : MQTT_RETRY_MS);
  const quiet = opts.quiet ?? false;
  const board = makeBoard(opts, {
    transport,
    retryMs,
    id,
    mesh,
    seed,
    scenario,
    log: quiet ? undefined : (line) => io.err(`board: ${line}\n`),
  });
  const header =
    `${transport.describe} · board ${id} · mesh ${mesh.width}x${mesh.height} · scenario ${scenario.name} ` +
    `(seed ${seed}, ${opts.durationMs !== undefined ? `${opts.durationMs} ms of frames` : `${scenario.arrivals.length} arrivals`}) · time scale ${opts.timeScale ?? 1} · retry ${retryMs} ms`;
  if (!quiet) io.err(`board: ${header}\n`);

  const interruption = interruptions(opts.abort);
  const t0 = performance.now();
  const progress = quiet
    ? undefined
    : setInterval(
        () =>
          io.err(progressLine(board.stats, performance.now() - t0, opts.durationMs !== undefined ? undefined : scenario.arrivals.length)),
        1000,
      );
  let closed = false;
  // reset-after counts from the first session, not from start-up: a host that starts late (or
  // slowly, on a loaded machine) still meets the reset mid-workload, as the user asked for
  let resetTimer: NodeJS.Timeout | undefined;
  if (faulty && faults?.resetAfterS !== undefined) {
    const resetAfterMs = faults.resetAfterS * 1000;
    board.once("session", () => {
      resetTimer = setTimeout(() => {
        faulty.noteReset();
        board.reset("fault injection: reset-after");
      }, resetAfterMs);
    });
  }
  try {
    const summary = await runUntilDone(board, interruption.stopped, retryMs);
    clearInterval(progress);
    clearTimeout(resetTimer);
    await transport.drain?.();
    closed = true;
    await transport.close();
    io.out(summaryText(summary, header) + (faulty ? faultsText(faulty, summary) : ""));
    return EXIT_OK;
  } finally {
    clearTimeout(resetTimer);
    clearInterval(progress);
    board.stop();
    if (!closed) await transport.close().catch(() => {});
    interruption.dispose();
  }
}

/** The board's end of the link: the serial port, or the broker (throws when neither can be reached). */
async function openTransport(opts: BoardCommandOptions, id: string): Promise<FrameTransport> {
  return opts.serial !== undefined
    ? await SerialTransport.open(opts.serial, opts.baud ?? DEFAULT_BAUD)
    : await MqttTransport.open({
        url: opts.mqtt!,
        boardId: id,
        side: "board",
        externalArrivals: opts.externalArrivals ?? false,
        persistentSession: true, // the feed's QoS 1 arrivals wait for a board that is away (mqtt.ts)
      });
}

/** The virtual board on that link, raising the scenario's arrivals. */
function makeBoard(
  opts: BoardCommandOptions,
  o: {
    transport: FrameTransport;
    retryMs: number;
    id: string;
    mesh: { width: number; height: number };
    seed: number;
    scenario: Scenario;
    log?: (line: string) => void;
  },
): VirtualBoard {
  const compiled = new Map(o.scenario.compiled.map((c) => [c.entry.name, c]));
  const table = o.scenario.modelVariants;
  return new VirtualBoard({
    // model variants: a task told by VARIANT runs its own sample at that width
    ...(table ? { variantProfile: (a: BoardArrival, model: string) => variantProfileOf(table, model, (a as WorkloadArrival).sample) } : {}),
    transport: o.transport,
    retryMs: o.retryMs,
    boardId: o.id,
    mesh: o.mesh,
    scenario: {
      models: o.scenario.models,
      arrivals: opts.durationMs !== undefined ? o.scenario.stream(opts.durationMs) : o.scenario.arrivals,
    },
    timeScale: opts.timeScale ?? 1,
    heartbeatMs: opts.heartbeatMs,
    telemetryMs: opts.telemetryMs,
    externalArrivals: opts.externalArrivals ?? false,
    // each external task gets its own sample of the model (its sparsity), seeded by the run and its id
    sampleProfile: (model, taskId) => {
      const cm = compiled.get(model);
      return cm ? sampleTask(cm, (o.seed ^ Math.imul(taskId + 1, 0x9e3779b1)) >>> 0).profile : undefined;
    },
    log: o.log,
  });
}

/** SIGINT, SIGTERM or the abort signal end the run cleanly (the MQTT transport then says offline). */
function interruptions(abort: AbortSignal | undefined): { stopped: Promise<"signal">; dispose: () => void } {
  let interrupted!: () => void;
  const stopped = new Promise<"signal">((resolve) => (interrupted = () => resolve("signal")));
  const onSignal = () => interrupted();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  abort?.addEventListener("abort", onSignal, { once: true });
  if (abort?.aborted) interrupted();
  return {
    stopped,
    dispose: () => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      abort?.removeEventListener("abort", onSignal);
    },
  };
}

/** Runs the board until its scenario is done (then lingers to re-ACK a late retransmission) or it is interrupted. */
async function runUntilDone(board: VirtualBoard, stopped: Promise<"signal">, retryMs: number): Promise<Awaited<VirtualBoard["finished"]>> {
  board.start();
  const how = await Promise.race([board.finished.then(() => "finished" as const), stopped]);
  if (how === "finished") {
    // the host may still retransmit a command whose ACK it lost: stay a little to re-ACK it
    const linger = Math.min(LINGER_MAX_MS, 3 * retryMs);
    await Promise.race([new Promise((r) => setTimeout(r, linger)), stopped]);
  }
  board.stop();
  return board.finished;
}
