// A NATS cluster of our own on loopback for the fleet (harness, tests, CI): three nats-server
// nodes, each with its own client, cluster and MQTT port and its own JetStream store directory
// under a temp dir. NATS 2.9 speaks MQTT 3.1.1 when its config has an `mqtt` block (sessions and
// retained messages live in JetStream, so MQTT needs JetStream and a server_name); the nodes
// cluster natively (routes), so JetStream streams and key-value buckets are replicated across them.
// Never the machine's own service on 4222: every port here is picked free.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { freePorts, waitListening } from "../net/ports.js";

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
const BINARY = existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";

export interface NatsNode {
  name: string;
  /** nats://127.0.0.1:PORT */
  natsUrl: string;
  /** mqtt://127.0.0.1:PORT */
  mqttUrl: string;
  /** Running (false once killed). */
  readonly alive: boolean;
}

export interface NatsCluster {
  nodes: readonly NatsNode[];
  natsUrls: string[];
  mqttUrls: string[];
  /** Kills one node at once (SIGKILL: a crash, not a clean shutdown). */
  kill(index: number): void;
  /** Freezes one node (SIGSTOP: its sockets stay open, nothing answers: a stalled VM or a long GC pause) until resume(). */
  pause(index: number): void;
  resume(index: number): void;
  /**
   * The node leading each JetStream stream (the MQTT gateway's $MQTT_sess, $MQTT_msgs, $MQTT_rmsgs;
   * the lease buckets' KV_*): a crash of a stream's leader stalls its writes until the others elect
   * one (Raft election timeout, seconds), a follower's does not.
   */
  streamLeaders(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

interface NodePorts {
  client: number;
  cluster: number;
  mqtt: number;
}

function nodeConfig(name: string, dir: string, own: NodePorts, all: NodePorts[]): string {
  const routes = all.map((p) => `nats-route://127.0.0.1:${p.cluster}`).join(", ");
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${own.client}`,
    `jetstream { store_dir: "${join(dir, "store")}" }`,
    // a single node is no cluster (JetStream refuses a cluster block without routes)
    all.length > 1 ? `cluster { name: immsched-fleet, listen: 127.0.0.1:${own.cluster}, routes: [${routes}] }` : "",
    `mqtt { listen: 127.0.0.1:${own.mqtt}${all.length >= 3 ? ", stream_replicas: 3" : ""} }`,
    "",
  ].join("\n");
}

/** Starts `size` clustered nodes (default 3) and waits until every client and MQTT port listens and JetStream has a leader. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const root = mkdtempSync(join(tmpdir(), "immsched-nats-"));
  const ports: NodePorts[] = [];
  const picked = await freePorts(3 * size);
  for (let i = 0; i < size; i++) ports.push({ client: picked[3 * i]!, cluster: picked[3 * i + 1]!, mqtt: picked[3 * i + 2]! });
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const nodes: Array<NatsNode & { alive: boolean }> = [];
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, "nats.conf");
    writeFileSync(conf, nodeConfig(name, dir, ports[i]!, size > 1 ? ports : []));
    const child = spawn(BINARY, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    logs[i] = "";
    child.stderr!.on("data", (d) => {
      // keep the tail only: a node logs every route and JetStream event
      logs[i] = (logs[i]! + d).slice(-4000);
    });
    children.push(child);
    const node = { name, natsUrl: `nats://127.0.0.1:${ports[i]!.client}`, mqttUrl: `mqtt://127.0.0.1:${ports[i]!.mqtt}`, alive: true };
    child.once("exit", () => (node.alive = false));
    nodes.push(node);
  }
  // last resort when the process ends without close(): never leave a node running
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const close = async () => {
    process.off("exit", killAll);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGKILL");
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // MQTT listens only once JetStream is up on that node (it needs its streams), so this waits for both
    for (const p of ports) await waitListening(p.client, 15_000);
    for (const p of ports) await waitListening(p.mqtt, 30_000);
    await waitJetStream(nodes.map((n) => n.natsUrl));
  } catch (err) {
    await close();
    throw new Error(`nats-server did not start: ${(err as Error).message}\n${logs.join("\n")}`);
  }
  return {
    nodes,
    natsUrls: nodes.map((n) => n.natsUrl),
    mqttUrls: nodes.map((n) => n.mqttUrl),
    kill(index: number) {
      children[index]?.kill("SIGKILL");
    },
    pause(index: number) {
      const c = children[index];
      if (!c?.pid) return;
      c.kill("SIGSTOP");
      // the signal lands asynchronously: a request sent right after could still be answered (CI saw
      // it once under load), so wait until the kernel says the process is stopped ("T")
      const end = Date.now() + 2000;
      while (Date.now() < end && !/^\d+ \(.*\) [tT]/.test(readStat(c.pid))) {}
    },
    resume(index: number) {
      children[index]?.kill("SIGCONT");
    },
    async streamLeaders() {
      const nc = await connect({ servers: nodes.filter((n) => n.alive).map((n) => n.natsUrl) });
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2000 });
        const out: Record<string, string> = {};
        for await (const si of jsm.streams.list()) if (si.cluster?.leader) out[si.config.name] = si.cluster.leader;
        return out;
      } finally {
        await nc.close();
      }
    },
    close,
  };
}

/** Waits until JetStream answers API requests (the cluster elected its meta leader), or throws after `ms`. */
export async function waitJetStream(urls: string[], ms = 30_000): Promise<void> {
  const nc = await connect({ servers: urls });
  try {
    const end = Date.now() + ms;
    for (;;) {
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2000 });
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        if (Date.now() > end) throw new Error(`JetStream not ready after ${ms} ms: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}

/** The URL list rotated to start at `i`: spreads boards and hosts over the nodes, the rest are the fallbacks. */
export function rotated(urls: string[], i: number): string[] {
  const k = i % urls.length;
  return [...urls.slice(k), ...urls.slice(0, k)];
}

/**
 * A node by name, or by what it leads when it dies: "sessions-leader" leads the MQTT gateway's
 * $MQTT_sess stream (every MQTT CONNECT writes to it, so every reconnection in the cluster waits for
 * the survivors to elect a new leader: `npm run bench:fleet`); "not-sessions-leader" does not (one
 * leading no $MQTT_ stream at all when there is one).
 */
export type BrokerNodeChoice = "n1" | "n2" | "n3" | "sessions-leader" | "not-sessions-leader";

/** The index of the node `which` names among `names`, given the streams' leaders (-1: none fits). */
export function pickNode(which: BrokerNodeChoice, names: string[], leaders: Record<string, string>): number {
  const sessions = leaders.$MQTT_sess ?? "";
  if (which === "sessions-leader") return names.indexOf(sessions);
  if (which === "not-sessions-leader") {
    const leadsMqtt = (n: string) => Object.entries(leaders).some(([stream, leader]) => stream.startsWith("$MQTT") && leader === n);
    const none = names.findIndex((n) => !leadsMqtt(n));
    return none >= 0 ? none : names.findIndex((n) => n !== sessions);
  }
  return names.indexOf(which);
}

/** /proc/<pid>/stat ("" where there is none). */
function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
}
