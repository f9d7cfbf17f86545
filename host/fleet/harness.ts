// `immsched fleet`: N virtual boards and M host processes against a real engine, optionally a host
// killed (SIGKILL) and a broker node killed mid-run, and the tally the issue asks for.
//
// The engine: "nats-cluster" starts three clustered nats-server nodes of our own (nats-cluster.ts):
// boards and hosts speak MQTT 3.1.1 to them, each board given all three URLs starting at its own
// node; leases live in a replicated JetStream key-value bucket. "mosquitto" starts a Mosquitto of
// our own for the frames (MQTT 5) and a single NATS node for the leases only (Mosquitto has no
// compare-and-set; README "Fleet").
//
// The tally is the boards' (the ground truth: a host that dies takes its records with it): a task
// arrived when its board raised it, completed at its TASK_DONE, late when that came after its
// deadline, dropped when a host dropped it (or its parent frame), lost otherwise (aborted by a
// session change, or still open at the end).

import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { TOPIC_ROOT } from "../../firmware-bridge/protocol/index.js";
import type { PolicyName } from "../core/controller.js";
import { loadScenario } from "../workloads/scenario.js";
import { startMosquitto, type RunningMosquitto } from "../net/mosquitto.js";
import { percentile } from "../sim/metrics.js";
import type { BoardFinal, BoardGroupConfig, BoardLine } from "./board-process.js";
import type { HostLine, HostProcessConfig } from "./host-process.js";
import type { FleetHostStats } from "./owner.js";
import { type BrokerNodeChoice, type NatsCluster, pickNode, rotated, startNatsCluster } from "./nats-cluster.js";

export type FleetBroker = "nats-cluster" | "mosquitto";

export interface FleetOptions {
  boards: number;
  hosts: number;
  broker: FleetBroker;
  /** Seconds of workload each board raises. */
  duration: number;
  killHostAfter?: number;
  killBrokerNodeAfter?: number;
  /** Which node killBrokerNodeAfter kills (default "n1"); chosen by the streams it leads at the time. */
  killBrokerNode?: BrokerNodeChoice;
  scenario: string;
  policy: PolicyName;
  seed: number;
  /** Board time per wall time (below 1: slower frames, less load on a small machine). */
  timeScale: number;
  leaseMs?: number;
  /**
   * Also publish external arrivals on the JSON feed (immsched/<id>/arrivals), one every `feedMs`
   * wall ms to the boards in turn, from a client of the engine's last node (the one never killed):
   * a host kill leaves some boards without an owner while the feed goes on. Default: none.
   */
  feedMs?: number;
  /** Processes the virtual boards run in (board i in process i mod K); default defaultBoardProcs(). */
  boardProcs?: number;
  mesh: { width: number; height: number };
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface FleetFailover {
  board: string;
  fromHost: string | null;
  toHost: string;
  /** Wall ms the board had no working owner: from the failure (kill, release) to its new session. */
  gapMs: number;
  /** Of which: from the failure to the new owner's claim landing (the rest: its MQTT link and the handshake). */
  claimMs: number;
  /** Of which: from the failure to the new owner's MQTT link to the board being open (then: the handshake). */
  linkMs: number;
  cause: "host-killed" | "broker-node-killed" | "rebalance" | "lease-lost";
  /** When the new owner's claim landed, ms from the run's start. */
  atMs: number;
}

export interface FleetResult {
  boards: number;
  hosts: number;
  broker: FleetBroker;
  scenario: string;
  timeScale: number;
  durationS: number;
  boardProcs: number;
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  violationRate: number;
  failovers: FleetFailover[];
  gapMsP50: number;
  gapMsP99: number;
  killedHost?: { host: string; atMs: number };
  /** ledStreams: the JetStream streams the node led when it died (their writes stall until a new leader is elected). */
  killedBrokerNode?: { node: string; atMs: number; ledStreams: string[] };
  perHost: Array<FleetHostStats & { killed: boolean }>;
  perBoard: Array<{
    board: string;
    arrived: number;
    completed: number;
    late: number;
    dropped: number;
    lost: number;
    /** Of the arrived: tasks from the external arrivals feed (feedMs). */
    external: number;
    /** Sessions established (a new owner makes a new one). */
    sessions: number;
    /** Broker connections lost (and remade, to the next URL) by the board's MQTT client. */
    linkFaults: number;
    /** With a broker node killed: sessions the board made from the kill on (a reconnection makes none). */
    sessionsAfterNodeKill?: number;
  }>;
}

interface Engine {
  natsUrls: string[];
  mqttUrls: string[];
  cluster?: NatsCluster;
  mosquitto?: RunningMosquitto;
  /** Kills the node `which` names; resolves to its name and the streams it led. */
  killNode?: (which: BrokerNodeChoice) => Promise<{ node: string; ledStreams: string[] }>;
  /** QoS of every MQTT subscription on this engine (mqtt.ts subscribeQos). */
  subscribeQos: 0 | 1;
  /** MQTT version the engine speaks, when it speaks only one (NATS: 3.1.1). */
  mqttVersion?: 4 | 5;
  close(): Promise<void>;
}

async function startEngine(broker: FleetBroker): Promise<Engine> {
  if (broker === "nats-cluster") {
    const cluster = await startNatsCluster(3);
    return {
      natsUrls: cluster.natsUrls,
      mqttUrls: cluster.mqttUrls,
      cluster,
      subscribeQos: 0,
      mqttVersion: 4,
      killNode: async (which) => {
        const leaders = await cluster.streamLeaders().catch(() => ({}) as Record<string, string>);
        const names = cluster.nodes.map((n) => n.name);
        const i = pickNode(which, names, leaders);
        if (i < 0) throw new Error(`no broker node is ${which} (stream leaders: ${JSON.stringify(leaders)})`);
        const node = names[i]!;
        cluster.kill(i);
        const ledStreams = Object.entries(leaders)
          .filter(([, leader]) => leader === node)
          .map(([stream]) => stream)
          .sort();
        return { node, ledStreams };
      },
      close: () => cluster.close(),
    };
  }
  const mosquitto = await startMosquitto();
  const leases = await startNatsCluster(1);
  return {
    natsUrls: leases.natsUrls,
    mqttUrls: [mosquitto.url],
    mosquitto,
    subscribeQos: 1,
    close: async () => {
      mosquitto.close();
      await leases.close();
    },
  };
}

/** Board processes by default: one per core, at least 2 (the hosts and brokers share the cores), at most 8. */
export function defaultBoardProcs(): number {
  return Math.min(8, Math.max(2, availableParallelism()));
}

interface HostChild {
  id: string;
  child: ChildProcess;
  stats?: FleetHostStats;
  killed: boolean;
  ready: Promise<void>;
}

const HOST_ENTRY = fileURLToPath(new URL("./host-process.ts", import.meta.url));
const BOARDS_ENTRY = fileURLToPath(new URL("./board-process.ts", import.meta.url));

function spawnHost(cfg: HostProcessConfig, onLine: (l: HostLine) => void, log: (s: string) => void): HostChild {
  const child = spawn(process.execPath, ["--import", "tsx", HOST_ENTRY, JSON.stringify(cfg)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  const h: HostChild = { id: cfg.hostId, child, killed: false, ready };
  createInterface({ input: child.stdout! }).on("line", (text) => {
    let line: HostLine;
    try {
      line = JSON.parse(text) as HostLine;
    } catch {
      return;
    }
    if (line.type === "ready") readyResolve();
    if (line.type === "stats") h.stats = line;
    onLine(line);
  });
  let err = "";
  child.stderr!.on("data", (d) => {
    err = (err + d).slice(-2000);
  });
  child.once("exit", (code, signal) => {
    readyReject(new Error(`fleet host ${cfg.hostId} exited (${signal ?? code}) before it was ready: ${err}`));
    if (!h.killed && code !== 0) log(`host ${cfg.hostId} exited (${signal ?? code}): ${err.trim()}`);
  });
  return h;
}

/** A process of virtual boards (board-process.ts), as the harness sees it. */
interface BoardGroup {
  child: ChildProcess;
  ids: string[];
  ready: Promise<void>;
  /** Every board's tally, once it answered "stop". */
  final: Promise<BoardFinal[]>;
  done: number;
}

/** What the harness keeps per board while the run goes on. */
interface BoardTally {
  id: string;
  sessionsAt: number[];
  finished: boolean;
  final?: BoardFinal;
}

function spawnBoards(cfg: BoardGroupConfig, onLine: (l: BoardLine) => void): BoardGroup {
  const child = spawn(process.execPath, ["--import", "tsx", BOARDS_ENTRY, JSON.stringify(cfg)], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => {
    err = (err + d).slice(-2000);
  });
  const g: BoardGroup = { child, ids: cfg.boards.map((b) => b.id), done: 0 } as BoardGroup;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => reject(new Error(`fleet board process exited (${signal ?? code}): ${err.trim()}`))),
  );
  exited.catch(() => {});
  let ready!: () => void;
  let final!: (b: BoardFinal[]) => void;
  g.ready = Promise.race([new Promise<void>((r) => (ready = r)), exited]);
  g.final = Promise.race([new Promise<BoardFinal[]>((r) => (final = r)), exited]);
  // awaited where they matter; an early failure elsewhere must not leave them unhandled
  g.ready.catch(() => {});
  g.final.catch(() => {});
  createInterface({ input: child.stdout! }).on("line", (text) => {
    let line: BoardLine;
    try {
      line = JSON.parse(text) as BoardLine;
    } catch {
      return;
    }
    if (line.type === "ready") ready();
    else if (line.type === "final") final(line.boards);
    else if (line.type === "progress") g.done = line.done;
    onLine(line);
  });
  return g;
}

export async function runFleet(opts: FleetOptions): Promise<FleetResult> {
  const log = opts.log ?? (() => {});
  const engine = await startEngine(opts.broker);
  const hosts: HostChild[] = [];
  const boards: BoardTally[] = [];
  const groups: BoardGroup[] = [];
  let allFinished!: () => void;
  const finished = new Promise<void>((r) => (allFinished = r));
  const claims: Array<{ board: string; host: string; from: string | null; at: number }> = [];
  const linked: Array<{ board: string; host: string; at: number }> = [];
  const releases: Array<{ board: string; host: string; at: number; why: string }> = [];
  try {
    log(`engine ${opts.broker}: mqtt ${engine.mqttUrls.join(", ")} · leases ${engine.natsUrls.join(", ")}`);
    for (let i = 0; i < opts.hosts; i++) {
      const cfg: HostProcessConfig = {
        hostId: `h${i + 1}`,
        natsUrls: rotated(engine.natsUrls, i),
        mqttUrls: rotated(engine.mqttUrls, i),
        scenario: opts.scenario,
        policy: opts.policy,
        seed: opts.seed,
        mesh: opts.mesh,
        leaseMs: opts.leaseMs,
        subscribeQos: engine.subscribeQos,
        mqttVersion: engine.mqttVersion,
      };
      hosts.push(
        spawnHost(
          cfg,
          (l) => {
            if (l.type !== "note") return;
            if (l.kind === "claim") claims.push(l);
            else if (l.kind === "linked") linked.push(l);
            else if (l.kind === "release") releases.push(l);
          },
          log,
        ),
      );
    }
    await Promise.all(hosts.map((h) => h.ready));
    log(`${opts.hosts} hosts ready`);

    const procs = Math.min(opts.boards, opts.boardProcs ?? defaultBoardProcs());
    for (let i = 0; i < opts.boards; i++) boards.push({ id: `b${String(i + 1).padStart(3, "0")}`, sessionsAt: [], finished: false });
    const byId = new Map(boards.map((b) => [b.id, b]));
    for (let k = 0; k < procs; k++) {
      const cfg: BoardGroupConfig = {
        boards: boards.map((b, index) => ({ id: b.id, index })).filter((b) => b.index % procs === k),
        mqttUrls: engine.mqttUrls,
        subscribeQos: engine.subscribeQos,
        scenario: opts.scenario,
        seed: opts.seed,
        duration: opts.duration,
        timeScale: opts.timeScale,
        mesh: opts.mesh,
      };
      groups.push(
        spawnBoards(cfg, (l) => {
          if (l.type === "session") byId.get(l.board)?.sessionsAt.push(l.at);
          else if (l.type === "finished") {
            const b = byId.get(l.board);
            if (b) b.finished = true;
            if (boards.every((x) => x.finished)) allFinished();
          }
        }),
      );
    }
    await Promise.all(groups.map((g) => g.ready));
    const t0 = Date.now();
    for (const g of groups) g.child.stdin!.write("start\n");
    log(`${opts.boards} boards started in ${procs} processes`);
    const feed = opts.feedMs === undefined ? undefined : await startFeed(engine.mqttUrls.at(-1)!, boards, opts, t0);

    let killedHost: FleetResult["killedHost"];
    let killedNode: FleetResult["killedBrokerNode"];
    const timers: NodeJS.Timeout[] = [];
    if (opts.killHostAfter !== undefined) {
      timers.push(
        setTimeout(() => {
          const victim = hosts[0]!;
          victim.killed = true;
          victim.child.kill("SIGKILL");
          killedHost = { host: victim.id, atMs: Date.now() - t0 };
          log(
            `killed host ${victim.id} at ${(killedHost.atMs / 1000).toFixed(1)} s (it held ${victim.stats?.boards.length ?? "?"} boards)`,
          );
        }, opts.killHostAfter * 1000),
      );
    }
    if (opts.killBrokerNodeAfter !== undefined && engine.killNode) {
      timers.push(
        setTimeout(async () => {
          try {
            const { node, ledStreams } = await engine.killNode!(opts.killBrokerNode ?? "n1");
            killedNode = { node, atMs: Date.now() - t0, ledStreams };
            log(
              `killed broker node ${node} at ${(killedNode.atMs / 1000).toFixed(1)} s (it led ${ledStreams.length ? ledStreams.join(", ") : "no stream"})`,
            );
          } catch (err) {
            log(`no broker node killed: ${(err as Error).message}`);
          }
        }, opts.killBrokerNodeAfter * 1000),
      );
    }
    const progress = setInterval(() => {
      const owned = hosts.map((h) => `${h.id}:${h.killed ? "dead" : (h.stats?.boards.length ?? 0)}`).join(" ");
      const done = groups.reduce((s, g) => s + g.done, 0);
      log(`t ${((Date.now() - t0) / 1000).toFixed(0)} s · boards per host ${owned} · tasks done ${done}`);
    }, 2000);

    // every board ends once its workload window is over and each of its tasks settled
    const cap = (opts.duration / Math.min(1, opts.timeScale) + 30) * 1000;
    // Ctrl-C or SIGTERM end the run early, through the same clean-up (no broker node left behind)
    let onSignal: () => void = () => {};
    const interrupted = new Promise<void>((resolve) => {
      onSignal = () => {
        log("interrupted: stopping");
        resolve();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    await Promise.race([finished, new Promise((r) => setTimeout(r, cap)), interrupted]);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const t of timers) clearTimeout(t);
    clearInterval(progress);
    await feed?.stop();

    // a clean stop makes each host print its last figures, and each board process its boards' tallies
    await stopHosts(hosts);
    for (const g of groups) g.child.stdin!.write("stop\n");
    for (const list of await Promise.all(groups.map((g) => g.final))) for (const f of list) byId.get(f.id)!.final = f;
    return tally(opts, boards, hosts, claims, linked, releases, t0, killedHost, killedNode);
  } finally {
    for (const g of groups) if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill("SIGKILL");
    await stopHosts(hosts);
    await engine.close();
  }
}

/** First id of the feed's tasks: far above any scenario task id (a board refuses an id in use). */
const FEED_FIRST_ID = 1_000_000;

/**
 * A feed message published this long before the boards' workload window closes is the last: each
 * must reach its board inside the window. One published at its very end reached a board that had
 * already settled every task and said it was finished: the run ended with that task open ("lost").
 */
const FEED_END_MARGIN_MS = 1000;

/** The external arrivals feed of `FleetOptions.feedMs`, within the boards' workload window (started at `t0`). */
async function startFeed(url: string, boards: BoardTally[], opts: FleetOptions, t0: number): Promise<{ stop(): Promise<void> }> {
  const model = loadScenario(opts.scenario, { seed: opts.seed, board: { mesh: { ...opts.mesh, torus: false } }, durationMs: 1 }).models[0]!
    .name;
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `immsched-fleet-feed-${process.pid}` });
  const end = t0 + (opts.duration / opts.timeScale) * 1000 - FEED_END_MARGIN_MS;
  let n = 0;
  const timer = setInterval(() => {
    if (Date.now() > end) return clearInterval(timer);
    const b = boards[n % boards.length]!;
    const task = { id: FEED_FIRST_ID + n++, model, priority: 3, deadlineMs: 100 };
    void client.publishAsync(`${TOPIC_ROOT}/${b.id}/arrivals`, JSON.stringify(task), { qos: 1 }).catch(() => {});
  }, opts.feedMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await client.endAsync().catch(() => {});
    },
  };
}

async function stopHosts(hosts: HostChild[]): Promise<void> {
  await Promise.all(
    hosts.map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.child.exitCode !== null || h.child.signalCode !== null) return resolve();
          const force = setTimeout(() => h.child.kill("SIGKILL"), 5000);
          h.child.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
          h.child.kill("SIGTERM");
        }),
    ),
  );
}

function tally(
  opts: FleetOptions,
  boards: BoardTally[],
  hosts: HostChild[],
  claims: Array<{ board: string; host: string; from: string | null; at: number }>,
  linked: Array<{ board: string; host: string; at: number }>,
  releases: Array<{ board: string; host: string; at: number; why: string }>,
  t0: number,
  killedHost: FleetResult["killedHost"],
  killedNode: FleetResult["killedBrokerNode"],
): FleetResult {
  const perBoard = boards.map((b) => {
    const f = b.final!;
    const s = f.stats;
    const arrived = s.tasksRaised + s.droppedDependency + s.externalTasks;
    const dropped = s.tasksDropped + s.droppedDependency;
    return {
      board: b.id,
      arrived,
      completed: s.tasksDone,
      late: f.late,
      dropped,
      lost: Math.max(0, arrived - s.tasksDone - dropped),
      external: s.externalTasks,
      sessions: s.sessionsUp,
      linkFaults: f.linkFaults,
      ...(killedNode ? { sessionsAfterNodeKill: b.sessionsAt.filter((at) => at >= t0 + killedNode.atMs).length } : {}),
    };
  });
  const sum = (k: "arrived" | "completed" | "late" | "dropped" | "lost") => perBoard.reduce((s, b) => s + b[k], 0);
  const tasks = { arrived: sum("arrived"), completed: sum("completed"), late: sum("late"), dropped: sum("dropped"), lost: sum("lost") };

  // ownership changes after the first claims: a claim naming an earlier holder
  const failovers: FleetFailover[] = [];
  const killAt = killedHost ? t0 + killedHost.atMs : Infinity;
  for (const c of claims) {
    if (c.from === null) continue;
    const b = boards.find((x) => x.id === c.board);
    const session = b?.sessionsAt.find((at) => at >= c.at);
    const released = releases.filter((r) => r.board === c.board && r.host === c.from && r.at <= c.at).at(-1);
    const cause: FleetFailover["cause"] =
      killedHost && c.from === killedHost.host && c.at >= killAt
        ? "host-killed"
        : released?.why === "rebalance"
          ? "rebalance"
          : "lease-lost";
    const since = cause === "host-killed" ? killAt : (released?.at ?? c.at);
    failovers.push({
      board: c.board,
      fromHost: c.from,
      toHost: c.host,
      gapMs: session === undefined ? -1 : session - since,
      claimMs: c.at - since,
      linkMs: (linked.find((l) => l.board === c.board && l.host === c.host && l.at >= c.at)?.at ?? Number.NaN) - since,
      cause,
      atMs: c.at - t0,
    });
  }
  const gaps = failovers.filter((f) => f.cause === "host-killed").map((f) => (f.gapMs < 0 ? Infinity : f.gapMs));
  return {
    boards: opts.boards,
    hosts: opts.hosts,
    broker: opts.broker,
    scenario: opts.scenario,
    timeScale: opts.timeScale,
    durationS: opts.duration,
    boardProcs: Math.min(opts.boards, opts.boardProcs ?? defaultBoardProcs()),
    tasks,
    violationRate: tasks.arrived ? (tasks.late + tasks.dropped + tasks.lost) / tasks.arrived : 0,
    failovers,
    gapMsP50: gaps.length ? percentile(gaps, 50) : 0,
    gapMsP99: gaps.length ? percentile(gaps, 99) : 0,
    ...(killedHost ? { killedHost } : {}),
    ...(killedNode ? { killedBrokerNode: killedNode } : {}),
    perHost: hosts.map((h) => ({
      ...(h.stats ?? {
        host: h.id,
        boards: [],
        claims: 0,
        releases: 0,
        deathsHeard: 0,
        arrivals: 0,
        arrivalToCommandMicrosP50: 0,
        arrivalToCommandMicrosP99: 0,
      }),
      killed: h.killed,
    })),
    perBoard,
  };
}
