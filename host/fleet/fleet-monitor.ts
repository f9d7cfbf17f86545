// Monitoring across a fleet (`immsched monitor --mqtt URL --fleet NATS_URL[,...]`): every board
// heard on the broker and the host that owns it (the owners bucket, lease.ts), served as a plain
// table on `/`, as JSON on `/fleet.json` and as Prometheus metrics on `/metrics`, labelled by board
// and host. A passive observer: it subscribes (QoS 0) and watches the bucket, it never publishes
// nor claims.

import { createServer, type Server } from "node:http";
import { connect } from "nats";
import mqtt from "mqtt";
import { Counter, Gauge, Registry } from "prom-client";
import { STATUS_ONLINE, TOPIC_ROOT, parseTopic } from "../../firmware-bridge/protocol/index.js";
import { LeaseTable } from "./lease.js";
import { OWNERS_BUCKET } from "./owner.js";

export interface FleetBoardView {
  board: string;
  status: "online" | "offline" | "unknown";
  owner: string | null;
  arrivals: number;
  tasksDone: number;
  /** Wall ms since the board was last heard (any frame), null before. */
  lastHeardMsAgo: number | null;
}

export interface FleetMonitor {
  url: string;
  boards(): FleetBoardView[];
  close(): Promise<void>;
}

interface Seen {
  status: FleetBoardView["status"];
  arrivals: number;
  tasksDone: number;
  lastHeard?: number;
}

export async function startFleetMonitor(opts: { mqttUrl: string; natsUrls: string[]; port: number; host?: string }): Promise<FleetMonitor> {
  const nc = await connect({ servers: opts.natsUrls, maxReconnectAttempts: -1 });
  const kv = await nc.jetstream().views.kv(OWNERS_BUCKET, { history: 1 });
  const owners = new LeaseTable(kv, "monitor", 0);
  const stopFollow = await owners.follow();
  const seen = new Map<string, Seen>();
  const client = await mqtt.connectAsync(opts.mqttUrl, { protocolVersion: 4, reconnectPeriod: 1000 });
  const entry = (id: string): Seen => {
    let s = seen.get(id);
    if (!s) seen.set(id, (s = { status: "unknown", arrivals: 0, tasksDone: 0 }));
    return s;
  };
  client.on("message", (topic, payload) => {
    const where = parseTopic(topic);
    if (!where) return;
    const s = entry(where.boardId);
    if (where.kind === "status") {
      s.status = payload.toString() === STATUS_ONLINE ? "online" : "offline";
      return;
    }
    if (where.from !== "board") return;
    s.lastHeard = Date.now();
    if (where.type === "arrival") s.arrivals++;
    else if (where.type === "task_done") s.tasksDone++;
  });
  await client.subscribeAsync(`${TOPIC_ROOT}/+/+`, { qos: 0 });

  const boards = (): FleetBoardView[] => {
    const ids = new Set([...seen.keys(), ...[...owners.holders().values()].flat()]);
    return [...ids].sort().map((board) => {
      const s = seen.get(board) ?? { status: "unknown" as const, arrivals: 0, tasksDone: 0 };
      return {
        board,
        status: s.status,
        owner: owners.current(board)?.holder ?? null,
        arrivals: s.arrivals,
        tasksDone: s.tasksDone,
        lastHeardMsAgo: s.lastHeard === undefined ? null : Date.now() - s.lastHeard,
      };
    });
  };

  // gauges and counters are set from the view at scrape time (one source of truth)
  const registry = new Registry();
  const labelNames = ["board", "host"] as const;
  const up = new Gauge({
    name: "immsched_fleet_board_online",
    help: "1 while the board's retained status says online.",
    labelNames,
    registers: [registry],
  });
  const owned = new Gauge({
    name: "immsched_fleet_board_owned",
    help: "1 while a host holds the board's lease.",
    labelNames,
    registers: [registry],
  });
  const arrivals = new Counter({
    name: "immsched_fleet_arrivals_total",
    help: "ARRIVAL frames heard from the board.",
    labelNames,
    registers: [registry],
  });
  const done = new Counter({
    name: "immsched_fleet_tasks_done_total",
    help: "TASK_DONE frames heard from the board.",
    labelNames,
    registers: [registry],
  });
  const scrape = async (): Promise<string> => {
    registry.resetMetrics();
    for (const b of boards()) {
      const l = { board: b.board, host: b.owner ?? "none" };
      up.set(l, b.status === "online" ? 1 : 0);
      owned.set(l, b.owner ? 1 : 0);
      arrivals.inc(l, b.arrivals);
      done.inc(l, b.tasksDone);
    }
    return registry.metrics();
  };
  const table = (): string =>
    [
      "board     status   owner   arrivals   done   last heard",
      ...boards().map(
        (b) =>
          `${b.board.padEnd(9)} ${b.status.padEnd(8)} ${(b.owner ?? "-").padEnd(7)} ${String(b.arrivals).padStart(8)} ${String(b.tasksDone).padStart(6)}   ` +
          `${b.lastHeardMsAgo === null ? "-" : `${(b.lastHeardMsAgo / 1000).toFixed(1)} s ago`}`,
      ),
      "",
    ].join("\n");

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      scrape().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (e) => res.writeHead(500).end(String(e)),
      );
    } else if (path === "/fleet.json") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ boards: boards() }));
    else if (path === "/") res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(table());
    else res.writeHead(404).end("not found\n");
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    url: `http://${host}:${port}/`,
    boards,
    close: async () => {
      await new Promise((r) => server.close(() => r(undefined)));
      stopFollow();
      await client.endAsync().catch(() => {});
      await nc.close().catch(() => {});
    },
  };
}
