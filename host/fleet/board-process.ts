// A group of the fleet's virtual boards in a process of their own (the harness starts
// `--board-procs` of them): 64 boards and their MQTT clients on one event loop lagged it by up to
// 1.5 s, which made their tasks late in board time and their re-syncs slow (README "Fleet").
//
// Configured by the JSON in argv[2] (BoardGroupConfig). Speaks JSON lines: on stdout "ready" once
// every board's MQTT link is open, then "session" (a board's new session, wall ms), "finished" (a
// board's every task ended) and "progress" (tasks done so far) as they happen, and "final" (every
// board's tally) after the harness writes "stop" on stdin; "start" on stdin starts the boards.

import { createInterface } from "node:readline";
import { VirtualBoard } from "../../firmware-bridge/board/virtual-board.js";
import type { BoardStats } from "../../firmware-bridge/board/board-contract.js";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { FLEET_LINK_ATTEMPTS, FLEET_RECONNECT_MS, MQTT_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { loadScenario } from "../workloads/scenario.js";
import { rotated } from "./nats-cluster.js";

export interface BoardGroupConfig {
  /** Each board's id and its index in the fleet (seed + index; node index mod the node count). */
  boards: Array<{ id: string; index: number }>;
  mqttUrls: string[];
  subscribeQos: 0 | 1;
  scenario: string;
  seed: number;
  /** Seconds of workload. */
  duration: number;
  timeScale: number;
  mesh: { width: number; height: number };
}

/** One board's figures at the end: the ground truth of the tally (harness.ts). */
export interface BoardFinal {
  id: string;
  stats: BoardStats;
  /** Tasks done after their deadline (board time). */
  late: number;
  /** Broker connections lost and remade by the board's MQTT client. */
  linkFaults: number;
}

export type BoardLine =
  | { type: "ready" }
  | { type: "session"; board: string; at: number }
  | { type: "finished"; board: string }
  | { type: "progress"; done: number }
  | { type: "final"; boards: BoardFinal[] };

function print(line: BoardLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

interface Running {
  id: string;
  board: VirtualBoard;
  transport: MqttTransport;
  deadlines: Map<number, number>;
  late: number;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as BoardGroupConfig;
  const running: Running[] = [];
  for (const { id, index } of cfg.boards) {
    const scenario = loadScenario(cfg.scenario, {
      seed: cfg.seed + index,
      board: { mesh: { ...cfg.mesh, torus: false } },
      durationMs: cfg.duration * 1000,
    });
    const [url, ...fallbackUrls] = rotated(cfg.mqttUrls, index);
    // a board hears the external arrivals feed itself (it runs those tasks; a fleet board keeps them for its next owner)
    const transport = await MqttTransport.open({
      url: url!,
      fallbackUrls,
      reconnectMs: FLEET_RECONNECT_MS,
      boardId: id,
      side: "board",
      subscribeQos: cfg.subscribeQos,
      externalArrivals: true,
    });
    const board = new VirtualBoard({
      transport,
      retryMs: MQTT_RETRY_MS,
      // its frames outlast a broker node's crash, as its hosts' do (board-session.ts)
      maxAttempts: FLEET_LINK_ATTEMPTS,
      boardId: id,
      mesh: cfg.mesh,
      scenario,
      timeScale: cfg.timeScale,
      resyncOnNewSession: true,
      // the hosts' epochs come from the leases' fencing tokens (lease.ts): a displaced owner's are refused
      fenceEpochs: true,
    });
    const r: Running = { id, board, transport, deadlines: new Map(), late: 0 };
    board.on("arrival", (a) => r.deadlines.set(a.taskId, a.deadlineNs));
    board.on("event", (e) => {
      if (e.kind !== "done") return;
      const d = r.deadlines.get(e.taskId);
      if (d !== undefined && e.time > d) r.late++;
    });
    board.on("session", () => print({ type: "session", board: id, at: Date.now() }));
    void board.finished.then(() => print({ type: "finished", board: id }));
    running.push(r);
  }
  print({ type: "ready" });
  let progress: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearInterval(progress);
    const boards: BoardFinal[] = running.map((r) => ({
      id: r.id,
      stats: r.board.stats,
      late: r.late,
      linkFaults: r.transport.stats.errors,
    }));
    for (const r of running) r.board.stop();
    await Promise.all(running.map((r) => r.transport.close().catch(() => {})));
    print({ type: "final", boards });
    process.exit(0);
  };
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line === "start") {
      for (const r of running) r.board.start();
      progress = setInterval(() => print({ type: "progress", done: running.reduce((s, r) => s + r.board.stats.tasksDone, 0) }), 1000);
    } else if (line === "stop") void stop();
  });
  // the harness died: do not stay behind
  process.stdin.on("end", () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`fleet boards: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
