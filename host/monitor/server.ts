// The live monitor: a small HTTP server (node:http only) that folds pushed events into the
// dashboard state and serves
//
//   /            the dashboard page (page/index.html)
//   /app.js      its script (plain JS, no build step)
//   /uplot.js    uPlot and its CSS, from node_modules: an edge box has no internet, so no CDN
//   /uplot.css
//   /events      Server-Sent Events: a full snapshot on connect, then coalesced deltas every
//                `flushMs` (default 50 ms) so a page keeps up with thousands of events a second
//   /metrics     Prometheus text exposition (metrics.ts)
//   /api/state   the snapshot as JSON, with the run's status (run-status.ts)
//   /healthz     for supervisors: 200 {"ok": true, ...} while the board is heard, 503 once it is lost
//
// Default address 127.0.0.1:9464 (DEFAULT_MONITOR_PORT; 9464 sits in Prometheus' exporter range).
// Pass host "0.0.0.0" to let a Prometheus server or a laptop on the LAN reach it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { RuntimeEvent } from "../runtime/events.js";
import type { MonitorSink } from "./sink.js";
import { type Delta, type MonitorConfig, type Snapshot, delta, initialState, reduce, snapshot } from "./state.js";
import { createMetrics } from "./metrics.js";
import { INITIAL_STATUS, type RunStatus, health } from "./run-status.js";

export const DEFAULT_MONITOR_PORT = 9464;

export interface MonitorOptions {
  /** TCP port (default 9464); 0 picks a free one (see `port` on the result). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: local only). */
  host?: string;
  /** Labels of the metrics and the page title until a `hello` event names them. */
  board?: string;
  policy?: string;
  /** Reducer bounds and bucket width (state.ts MonitorConfig); e.g. a small bucketNs for a virtual-time run. */
  config?: Partial<MonitorConfig>;
  /** How often pending changes go out to the pages (ms, default 50). */
  flushMs?: number;
  /** Also export the Node process metrics (CPU, memory, event loop lag), prefixed immsched_monitor_ (default true). */
  processMetrics?: boolean;
}

export interface Monitor extends MonitorSink {
  /** http://host:port/ of the dashboard. */
  readonly url: string;
  readonly port: number;
  push(event: RuntimeEvent): void;
  /** The current dashboard state (what /api/state returns). */
  snapshot(): Snapshot;
  /** The Prometheus text (what /metrics returns). */
  metricsText(): Promise<string>;
  /** Where the run stands (banner on the page, /healthz); pushed to the pages at once. */
  setStatus(status: RunStatus): void;
  readonly status: RunStatus;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

interface Asset {
  type: string;
  body: Buffer;
}

function assets(): Map<string, Asset> {
  const page = (f: string) => readFileSync(new URL(`./page/${f}`, import.meta.url));
  const mod = (f: string) => readFileSync(require.resolve(`uplot/dist/${f}`));
  return new Map([
    ["/", { type: "text/html; charset=utf-8", body: page("index.html") }],
    ["/index.html", { type: "text/html; charset=utf-8", body: page("index.html") }],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: page("app.js") }],
    ["/locale-guard.js", { type: "text/javascript; charset=utf-8", body: page("locale-guard.js") }],
    ["/uplot.js", { type: "text/javascript; charset=utf-8", body: mod("uPlot.iife.min.js") }],
    ["/uplot.css", { type: "text/css; charset=utf-8", body: mod("uPlot.min.css") }],
  ]);
}

interface Client {
  res: ServerResponse;
  /** State rev this client has seen: it gets what changed after it. */
  rev: number;
}

/** A client whose socket holds more than this unsent is skipped until it drains, then catches up in one delta. */
const MAX_BUFFERED = 1 << 20;

/** Serves one file of the page, with the headers that keep it self-contained. */
function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.writeHead(200, {
    "content-type": asset.type,
    "content-length": asset.body.length,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    // everything is served from here; uPlot sets inline styles
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  });
  res.end(req.method === "HEAD" ? undefined : asset.body);
}

/** Listens on host:port; rejects with the reason when it cannot (port taken, no such address). */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(new Error(`monitor: cannot listen on ${host}:${port}: ${err.code ?? err.message}`));
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}

export async function startMonitor(opts: MonitorOptions = {}): Promise<Monitor> {
  const files = assets();
  const state = initialState(opts.config, { board: opts.board, policy: opts.policy });
  const metrics = createMetrics({ processMetrics: opts.processMetrics });
  const clients = new Set<Client>();
  let malformed = 0;
  let status: RunStatus = INITIAL_STATUS;
  const statusEvent = () => `event: status\ndata: ${JSON.stringify(status)}\n\n`;

  const send = (c: Client, payload: Snapshot | Delta, json?: string) => {
    c.res.write(`event: ${payload.kind}\ndata: ${json ?? JSON.stringify(payload)}\n\n`);
    c.rev = payload.rev;
  };

  const flush = () => {
    // clients at the same rev (the usual case: all of them) share one delta and one JSON string
    const byRev = new Map<number, { payload: Snapshot | Delta; json: string }>();
    for (const c of clients) {
      if (c.rev === state.rev || c.res.writableLength > MAX_BUFFERED) continue;
      let d = byRev.get(c.rev);
      if (!d) {
        const payload = delta(state, c.rev);
        d = { payload, json: JSON.stringify(payload) };
        byRev.set(c.rev, d);
      }
      send(c, d.payload, d.json);
    }
  };
  const flushTimer = setInterval(flush, opts.flushMs ?? 50);
  // comments keep idle connections open through proxies and let the page notice a dead server
  const pingTimer = setInterval(() => {
    for (const c of clients) c.res.write(": ping\n\n");
  }, 15_000);
  flushTimer.unref();
  pingTimer.unref();

  const push = (e: RuntimeEvent) => {
    try {
      reduce(state, e);
      metrics.observe(e, state);
    } catch (err) {
      // a malformed event (a decoder bug, a bad frame) must not take the runtime down with the monitor
      malformed++;
      if (malformed <= 10) {
        reduce(state, { time: state.now, note: { level: "error", text: `malformed event ignored: ${(err as Error).message}` } });
      }
    }
  };

  // one handler per route; assets are served by path from the page folder
  const serveEvents = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.socket?.setNoDelay(true);
    res.write("retry: 1000\n\n");
    const c: Client = { res, rev: 0 };
    clients.add(c);
    req.on("close", () => clients.delete(c));
    send(c, snapshot(state));
    res.write(statusEvent());
  };
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await metrics.text(state);
    res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const serveState = (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ ...snapshot(state), status });
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const serveHealth = (req: IncomingMessage, res: ServerResponse) => {
    const h = health(status);
    res.writeHead(h.code, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : `${JSON.stringify(h.body)}\n`);
  };
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    "/events": serveEvents,
    "/healthz": serveHealth,
    "/metrics": serveMetrics,
    "/api/state": serveState,
    // browsers ask for it; a 404 would show up as a console error
    "/favicon.ico": (_req, res) => void res.writeHead(204).end(),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const asset = files.get(path);
    if (asset) return serveAsset(req, res, asset);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route) return route(req, res);
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${path}\n`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`monitor error: ${err.message}\n`);
    });
  });
  const host = opts.host ?? "127.0.0.1";
  try {
    await listen(server, host, opts.port ?? DEFAULT_MONITOR_PORT);
  } catch (err) {
    clearInterval(flushTimer);
    clearInterval(pingTimer);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${shown}:${port}/`,
    port,
    push,
    snapshot: () => snapshot(state),
    metricsText: () => metrics.text(state),
    get status() {
      return status;
    },
    setStatus: (next: RunStatus) => {
      status = next;
      flush(); // events before the status change reach the pages first
      const text = statusEvent();
      for (const c of clients) c.res.write(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(flushTimer);
        clearInterval(pingTimer);
        for (const c of clients) c.res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
