// `immsched monitor --mqtt URL`: watch boards from another machine. Subscribes to the boards'
// topics (their frames and the host's commands, PROTOCOL.md §7) and serves the live dashboard
// and /metrics for them, exactly as `immsched run --monitor` does for its own board.

import { startMonitor, DEFAULT_MONITOR_PORT } from "../monitor/server.js";
import { type MqttWatch, watchMqtt } from "../monitor/mqtt-watch.js";
import { loadScenario } from "../workloads/scenario.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit.js";

export interface MonitorCommandOptions {
  mqtt: string;
  board?: string;
  port?: number;
  host?: string;
  /** Scenario whose model names label ARRIVAL model ids (default VR_gaming). */
  scenario: string;
  policy?: string;
  /** Stop after this many seconds (default: run until Ctrl-C). */
  duration?: number;
}

export async function monitorCommand(opts: MonitorCommandOptions): Promise<number> {
  const models = loadScenario(opts.scenario, { seed: 1, board: { mesh: { width: 8, height: 8, torus: false } } }).models.map((m) => m.name);
  const monitor = await startMonitor({
    port: opts.port ?? DEFAULT_MONITOR_PORT,
    host: opts.host,
    board: opts.board ?? "all",
    policy: opts.policy ?? "unknown",
  });
  let watch: MqttWatch;
  try {
    watch = await watchMqtt(opts.mqtt, monitor, { board: opts.board, models, policy: opts.policy });
  } catch (err) {
    await monitor.close();
    process.stderr.write(`immsched: cannot watch ${opts.mqtt}: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(`monitor: ${monitor.url} · watching ${opts.mqtt} board ${opts.board ?? "+ (all)"}\n`);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    if (opts.duration !== undefined) setTimeout(done, opts.duration * 1000).unref();
  });
  await watch.close();
  await monitor.close();
  return EXIT_OK;
}
