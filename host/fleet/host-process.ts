// One fleet host as its own process (the harness starts M of them and kills one): a FleetHost
// (owner.ts) configured by the JSON in argv[2]. It prints one JSON line per claim, release and
// session (FleetNote) as they happen, its figures (FleetHostStats) every half second, and a last
// "stats" line when SIGTERM stops it cleanly. A SIGKILL is the crash the fleet must survive.

import { loadScenario } from "../workloads/scenario.js";
import { FleetHost, type FleetHostStats, type FleetNote } from "./owner.js";
import type { PolicyName } from "../core/controller.js";

export interface HostProcessConfig {
  hostId: string;
  natsUrls: string[];
  mqttUrls: string[];
  scenario: string;
  policy: PolicyName;
  seed: number;
  mesh: { width: number; height: number };
  leaseMs?: number;
  subscribeQos?: 0 | 1;
  mqttVersion?: 4 | 5;
}

export type HostLine = ({ type: "note" } & FleetNote) | ({ type: "stats" } & FleetHostStats) | { type: "ready"; host: string };

function print(line: HostLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as HostProcessConfig;
  // the model table only: every board of the fleet runs the same scenario's models
  const scenario = loadScenario(cfg.scenario, { seed: cfg.seed, board: { mesh: { ...cfg.mesh, torus: false } }, durationMs: 1 });
  const host = await FleetHost.start({
    hostId: cfg.hostId,
    natsUrls: cfg.natsUrls,
    mqttUrls: cfg.mqttUrls,
    policy: cfg.policy,
    models: scenario.models,
    seed: cfg.seed,
    leaseMs: cfg.leaseMs,
    subscribeQos: cfg.subscribeQos,
    mqttVersion: cfg.mqttVersion,
    onNote: (n) => print({ type: "note", ...n }),
  });
  print({ type: "ready", host: cfg.hostId });
  const every = setInterval(() => print({ type: "stats", ...host.stats() }), 500);
  const stop = async () => {
    clearInterval(every);
    const last = host.stats();
    await host.stop();
    print({ type: "stats", ...last });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

main().catch((e) => {
  process.stderr.write(`fleet host: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
