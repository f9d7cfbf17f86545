// `immsched fleet`: N virtual boards and M host processes on a real engine (host/fleet/harness.ts),
// optionally one host and one broker node killed mid-run; prints the tally and the failovers and
// writes them as JSON (README "Fleet").

import { type Command, Option } from "commander";
import { ALL_POLICIES } from "../core/controller.js";
import { writeFileAtomic } from "../formats/write-atomic.js";
import type { FleetOptions, FleetResult } from "../fleet/harness.js";
import { InputError } from "../formats/input-error.js";
import { loadScenario } from "../workloads/scenario.js";
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK } from "./exit.js";
import { meshSize, positiveInteger, positiveNumber, seedValue } from "./options.js";

/** The harness's options, as the command line gives them (its log is the command's own). */
export interface FleetCommandOptions extends Omit<FleetOptions, "log"> {
  json?: string;
  quiet?: boolean;
}

/** Adds `immsched fleet` and its options to the program. */
export function registerFleetCommand(program: Command): Command {
  return program
    .command("fleet")
    .description("N virtual boards and M host processes sharing them through leases on a real engine; kill a host or a broker node mid-run")
    .requiredOption("--boards <n>", "virtual boards (plain MQTT clients)", positiveInteger("--boards"))
    .requiredOption("--hosts <n>", "host processes", positiveInteger("--hosts"))
    .addOption(
      new Option(
        "--broker <engine>",
        "nats-cluster: three NATS nodes (MQTT + JetStream KV leases); mosquitto: one Mosquitto, leases on one NATS node",
      )
        .choices(["nats-cluster", "mosquitto"])
        .default("nats-cluster"),
    )
    .requiredOption("--duration <sec>", "seconds of workload each board raises", positiveNumber("--duration"))
    .option("--kill-host-after <sec>", "SIGKILL host h1 after this many seconds", positiveNumber("--kill-host-after"))
    .option(
      "--kill-broker-node-after <sec>",
      "SIGKILL a broker node after this many seconds (nats-cluster; which: --kill-broker-node)",
      positiveNumber("--kill-broker-node-after"),
    )
    .addOption(
      new Option(
        "--kill-broker-node <which>",
        "the node killed: n1, n2, n3, sessions-leader (the one leading the MQTT gateway's $MQTT_sess stream: every MQTT CONNECT waits for a new leader) or not-sessions-leader (another one)",
      )
        .choices(["n1", "n2", "n3", "sessions-leader", "not-sessions-leader"])
        .default("n1"),
    )
    .option("--scenario <spec>", "the workload every board raises (seeded per board)", "VR_gaming")
    .addOption(new Option("--policy <name>", "scheduling policy").choices(ALL_POLICIES as unknown as string[]).default("immsched"))
    .option("--seed <s>", "seed of board 1's workload (board i: seed + i - 1) and of the cores", seedValue, 1)
    .option("--time-scale <x>", "board time per wall time (below 1 slows every board down)", positiveNumber("--time-scale"), 1)
    .option("--lease-ms <ms>", "lease length: the longest a dead host keeps its boards", positiveInteger("--lease-ms"))
    .option(
      "--board-procs <k>",
      "processes the virtual boards run in (default: one per core, 2 to 8): one event loop for every board lags",
      positiveInteger("--board-procs"),
    )
    .addOption(new Option("--mesh <WxH>", "mesh of every board").argParser(meshSize("--mesh")).default({ width: 8, height: 8 }, "8x8"))
    .option("--json <file>", "write the result as JSON")
    .option("--quiet", "no progress lines")
    .action(async (opts: FleetCommandOptions) => {
      process.exitCode = await fleetCommand(opts);
    });
}

function check(o: FleetCommandOptions): string | null {
  if (o.killBrokerNodeAfter !== undefined && o.broker !== "nats-cluster")
    return "--kill-broker-node-after needs --broker nats-cluster (mosquitto is a single node)";
  if (o.killHostAfter !== undefined && o.hosts < 2) return "--kill-host-after needs --hosts 2 or more (someone must take the boards over)";
  return null;
}

function summary(r: FleetResult): string {
  const t = r.tasks;
  const lines = [
    "",
    `fleet · ${r.boards} boards · ${r.hosts} hosts · ${r.broker} · ${r.scenario} · time scale ${r.timeScale} · ${r.boardProcs} board processes`,
    `  tasks      arrived ${t.arrived} · completed ${t.completed} · late ${t.late} · dropped ${t.dropped} · lost ${t.lost} · violations ${(100 * r.violationRate).toFixed(1)} %`,
    `  failovers  ${r.failovers.length} (after the host kill: gap p50 ${r.gapMsP50.toFixed(0)} ms · p99 ${r.gapMsP99.toFixed(0)} ms)`,
    ...(r.killedHost ? [`  killed     host ${r.killedHost.host} at ${(r.killedHost.atMs / 1000).toFixed(1)} s`] : []),
    ...(r.killedBrokerNode
      ? [
          `  killed     broker node ${r.killedBrokerNode.node} at ${(r.killedBrokerNode.atMs / 1000).toFixed(1)} s (it led ${r.killedBrokerNode.ledStreams.join(", ") || "no stream"})`,
        ]
      : []),
    ...r.perHost.map(
      (h) =>
        `  host ${h.host.padEnd(4)} ${h.killed ? "killed" : `${h.boards.length} boards`} · claims ${h.claims} · arrivals ${h.arrivals} · ` +
        `arrival -> commands p50 ${h.arrivalToCommandMicrosP50.toFixed(0)} µs p99 ${h.arrivalToCommandMicrosP99.toFixed(0)} µs`,
    ),
    "",
  ];
  return lines.join("\n");
}

export async function fleetCommand(opts: FleetCommandOptions): Promise<number> {
  const problem = check(opts);
  if (problem) {
    process.stderr.write(`immsched fleet: ${problem}\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    // bad input is reported before any broker or process starts
    loadScenario(opts.scenario, { seed: opts.seed, board: { mesh: { ...opts.mesh, torus: false } }, durationMs: 1 });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`immsched fleet: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  // loaded on use: the harness pulls in nats, mqtt and the virtual board
  const { runFleet } = await import("../fleet/harness.js");
  let result: FleetResult;
  try {
    result = await runFleet({ ...opts, log: opts.quiet ? undefined : (l) => process.stderr.write(`fleet: ${l}\n`) });
  } catch (e) {
    process.stderr.write(`immsched fleet: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(summary(result));
  if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(result, null, 2)}\n`);
  return EXIT_OK;
}

export interface FleetMonitorOptions {
  mqtt: string;
  /** NATS URLs of the fleet's engine, comma-separated (the owners bucket). */
  fleet: string;
  port?: number;
  host?: string;
  duration?: number;
}

/** `immsched monitor --mqtt URL --fleet NATS_URLS`: every board heard and its owner (host/fleet/fleet-monitor.ts). */
export async function fleetMonitorCommand(opts: FleetMonitorOptions): Promise<number> {
  const natsUrls = opts.fleet.split(",").map((u) => u.trim());
  for (const u of natsUrls) {
    if (!/^nats:\/\/[^/\s]+$/.test(u)) {
      process.stderr.write(`immsched monitor: --fleet takes nats://HOST:PORT URLs, comma-separated; got "${u}"\n`);
      return EXIT_BAD_INPUT;
    }
  }
  const { startFleetMonitor } = await import("../fleet/fleet-monitor.js");
  let monitor: Awaited<ReturnType<typeof startFleetMonitor>>;
  try {
    monitor = await startFleetMonitor({ mqttUrl: opts.mqtt, natsUrls, port: opts.port ?? 8787, host: opts.host });
  } catch (e) {
    process.stderr.write(`immsched monitor: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(`fleet monitor: ${monitor.url} (table) · ${monitor.url}metrics · ${monitor.url}fleet.json\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
    if (opts.duration !== undefined) setTimeout(resolve, opts.duration * 1000);
  });
  await monitor.close();
  return EXIT_OK;
}
