// A fleet host: shares the boards it hears with the other hosts of the fleet through leases in the
// engine (lease.ts, a JetStream key-value bucket), and runs a board session (board-session.ts)
// for each board whose lease it holds.
//
// Every tick it renews its own "alive" lease and its boards' leases, lets go of a board whose
// renewal failed (another host took it: exactly one owner), and balances: with H live hosts and B
// boards heard online, a host holds ceil(B / H). Below that it claims boards nobody holds (free,
// released, or their owner's lease expired: the owner died); above it, it releases one board a
// tick, which another host below its share then claims. Boards are discovered as plain MQTT
// clients announce themselves: the retained `immsched/<id>/status` "online" (PROTOCOL.md §7),
// and stay known after that (onStatus says why).

import { connect, type KV, type NatsConnection } from "nats";
import mqtt, { type MqttClient } from "mqtt";
import { TOPIC_ROOT, STATUS_KIND, STATUS_ONLINE } from "../../firmware-bridge/protocol/index.js";
import { percentile } from "../sim/metrics.js";
import { BoardSession } from "./board-session.js";
import { LeaseTable } from "./lease.js";
import type { ModelEntry, PolicyName } from "../core/controller.js";

export const OWNERS_BUCKET = "immsched-owners";
export const HOSTS_BUCKET = "immsched-hosts";
/** Lease length, ms: the longest a dead host keeps its boards (README "Fleet": the 2 s goal). */
export const DEFAULT_LEASE_MS = 1200;
/** Period of the balancing round (claims read the watched bucket: cheap when there is nothing to claim), ms. */
const POLL_MS = 50;
/**
 * Each host's MQTT connection carries a last will on `immsched-fleet/hosts/<host>` ("dead", not
 * retained): the broker publishes it the moment that connection drops without a DISCONNECT (the
 * process died: its sockets close at once). The others then take the host's leases as expired
 * (LeaseTable.markDead) instead of waiting out the lease: a dead host's boards are claimed in
 * tens of ms, not 1.2 s. A node that crashes publishes no will, so a broker failover is no host's death.
 */
export const HOST_WILL_ROOT = "immsched-fleet/hosts";
const HOST_DEAD = "dead";

export interface FleetHostOptions {
  hostId: string;
  natsUrls: string[];
  mqttUrls: string[];
  policy: PolicyName;
  models: ModelEntry[];
  seed: number;
  leaseMs?: number;
  /** MQTT subscription QoS of the board sessions (board-session.ts). */
  subscribeQos?: 0 | 1;
  /** MQTT version of the broker when known (board-session.ts). */
  mqttVersion?: 4 | 5;
  /** Replicas of the lease buckets (the cluster's size, at most 3). */
  replicas?: number;
  /** Claims, releases and sessions as they happen (the harness reads them). */
  onNote?: (note: FleetNote) => void;
}

export type FleetNote =
  | { kind: "claim"; board: string; host: string; from: string | null; at: number }
  | { kind: "release"; board: string; host: string; at: number; why: string }
  | { kind: "session"; board: string; host: string; at: number }
  /** The board's MQTT link of a new session is open (its HELLO_REQUEST goes out). */
  | { kind: "linked"; board: string; host: string; at: number };

export interface FleetHostStats {
  host: string;
  boards: string[];
  claims: number;
  releases: number;
  arrivals: number;
  arrivalToCommandMicrosP50: number;
  arrivalToCommandMicrosP99: number;
  /** Other hosts' last wills heard (each: that host's leases taken as expired at once). */
  deathsHeard: number;
}

export class FleetHost {
  private readonly sessions = new Map<string, BoardSession>();
  /** Boards claimed whose session is being opened (open()). */
  private readonly opening = new Set<string>();
  /** When this host last lost a race for a board (balance() skips it for a lease). */
  private readonly lostClaimAt = new Map<string, number>();
  private stopping = false;
  /** Boards heard online at least once (onStatus). */
  private readonly online = new Set<string>();
  /** Who last held each board (for the failover record). */
  private readonly lastHolder = new Map<string, string>();
  private readonly leaseMs: number;
  /** The last renewals timed out (the bucket is electing a leader). */
  private bucketDown = false;
  /** Fencing by time: a board whose lease ends within this many ms is let go (a sixth of the lease). */
  private readonly tickMs: number;
  private timer?: NodeJS.Timeout;
  /** A renewal round, and a balancing round, is running (each awaits the bucket; they run side by side). */
  private renewing = false;
  private balancing = false;
  private startedAt = Date.now();
  private lastRenew = 0;
  private claims = 0;
  private releases = 0;
  private deathsHeard = 0;
  /** Arrival -> commands of sessions already closed (kept for the host's figures). */
  private readonly pastLatencyNs: number[] = [];
  private stopFollow: Array<() => void> = [];

  private constructor(
    private readonly opts: FleetHostOptions,
    private readonly nc: NatsConnection,
    private readonly watch: MqttClient,
    private readonly owners: LeaseTable,
    private readonly hosts: LeaseTable,
  ) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.tickMs = Math.max(50, Math.floor(this.leaseMs / 6));
  }

  static async start(opts: FleetHostOptions): Promise<FleetHost> {
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const nc = await connect({ servers: opts.natsUrls, name: opts.hostId, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const replicas = opts.replicas ?? Math.min(3, opts.natsUrls.length);
    const ownersKv = await openBucket(nc, OWNERS_BUCKET, replicas, leaseMs);
    const hostsKv = await openBucket(nc, HOSTS_BUCKET, replicas, leaseMs);
    const owners = new LeaseTable(ownersKv, opts.hostId, leaseMs);
    const hosts = new LeaseTable(hostsKv, opts.hostId, leaseMs);
    const [first, ...rest] = opts.mqttUrls;
    const servers = [first!, ...rest].map((u) => {
      const url = new URL(u);
      return { host: url.hostname, port: Number(url.port || 1883) };
    });
    const watch = await mqtt.connectAsync(first!, {
      protocolVersion: 4,
      reconnectPeriod: 500,
      clientId: `immsched-fleet-${opts.hostId}-${process.pid}`,
      will: { topic: `${HOST_WILL_ROOT}/${opts.hostId}`, payload: Buffer.from(HOST_DEAD), qos: 1, retain: false },
      ...(servers.length > 1 ? { servers } : {}),
    });
    const h = new FleetHost(opts, nc, watch, owners, hosts);
    h.stopFollow.push(
      await retried(() =>
        owners.follow((key, lease) => {
          if (lease?.holder) h.lastHolder.set(key, lease.holder);
        }),
      ),
    );
    h.stopFollow.push(await retried(() => hosts.follow()));
    watch.on("message", (topic, payload) => {
      if (topic.startsWith(`${HOST_WILL_ROOT}/`)) h.onHostWill(topic.slice(HOST_WILL_ROOT.length + 1), payload.toString());
      else h.onStatus(topic, payload.toString());
    });
    // QoS 0: retained values still come at once, and no JetStream consumer is made for it
    await watch.subscribeAsync([`${TOPIC_ROOT}/+/${STATUS_KIND}`, `${HOST_WILL_ROOT}/+`], { qos: 0 });
    await hosts.claim(opts.hostId);
    h.startedAt = Date.now();
    h.timer = setInterval(() => h.tick(), POLL_MS);
    return h;
  }

  /**
   * A board once heard online stays in the fleet: after a broker node dies, the broker may
   * publish a board's will ("offline") after the board already reconnected elsewhere and said
   * "online" again, so the retained status can say offline while the board runs. Holding a lease
   * on a board that really is gone costs one HELLO_REQUEST a second.
   */
  private onStatus(topic: string, text: string): void {
    const id = topic.split("/")[1];
    if (id && text === STATUS_ONLINE) this.online.add(id);
  }

  /** Another host's last will: its process died, its leases are expired now (the next round claims its boards). */
  private onHostWill(host: string, text: string): void {
    if (text !== HOST_DEAD || host === this.opts.hostId) return;
    this.deathsHeard++;
    this.hosts.markDead(host);
    this.owners.markDead(host);
  }

  private note(n: FleetNote): void {
    this.opts.onNote?.(n);
  }

  /**
   * Renewals every third of the lease, balancing (claims included) every POLL_MS: two rounds side
   * by side, each never overlapping itself. A claim must not wait for a renewal round, which on a
   * loaded bucket takes hundreds of ms: a dead host's boards are claimed as soon as their leases end.
   */
  private tick(): void {
    if (!this.renewing && Date.now() - this.lastRenew >= this.leaseMs / 3) {
      this.renewing = true;
      this.renew()
        .catch(() => {})
        .finally(() => (this.renewing = false));
    }
    if (!this.balancing) {
      this.balancing = true;
      this.balance()
        .catch(() => {})
        .finally(() => (this.balancing = false));
    }
  }

  private async renew(): Promise<void> {
    this.lastRenew = Date.now();
    const renewals = [...this.sessions].map(async ([b, s]) => [b, await this.owners.renew(b, s.runtime.currentEpoch)] as const);
    // boards whose session is still opening keep their lease too (a lost one is closed once open)
    for (const b of this.opening) void this.owners.renew(b).catch(() => {});
    const self = this.hosts.renew(this.opts.hostId);
    for (const [board, r] of await Promise.all(renewals)) {
      // closed beside the round: a close may wait up to half a second on a dead node (board-session.ts), and one at a
      // time they held up the next renewal of every other board (more leases lost on a loaded machine)
      if (r === "lost") void this.drop(board, "lease lost");
      else this.bucketDown = r === "unavailable";
    }
    if ((await self) === "lost") await this.hosts.claim(this.opts.hostId);
  }

  private async balance(): Promise<void> {
    const now = Date.now();
    // fencing by time: a board whose lease runs out within a tick is let go now, before another
    // host may claim it (at expiry), so two hosts never drive one board at once. Not while the
    // bucket does not answer (a broker node died, its streams elect leaders): nobody can claim
    // then either, and once it answers, exactly one of our renewal and a rival claim lands. Nor
    // while a renewal round is still waiting for the bucket: after a node's crash the first round
    // waits out its request timeout (a lease) before it can say "unavailable", and dropping every
    // board meanwhile turned a broker failover into a host failover of all of them (new sessions,
    // work restarted). A rival that does claim meanwhile is fenced on the board (epochs), and its
    // HELLO tells this host it lost the board (board-session.ts)
    for (const board of this.bucketDown || this.renewing ? [] : [...this.sessions.keys()]) {
      const l = this.owners.current(board);
      if (!l || l.holder !== this.opts.hostId || l.until - Date.now() < this.tickMs) await this.drop(board, "lease expired");
    }
    // wait one lease for the other hosts to announce themselves before taking a share
    if (now - this.startedAt < this.leaseMs) return;
    const liveHosts = Math.max(1, this.hosts.holders().size);
    const boards = [...this.online].sort();
    const share = Math.ceil(boards.length / liveHosts);
    if (this.sessions.size > 0 && this.sessions.size + this.opening.size > share) {
      const last = [...this.sessions.values()].sort((a, b) => b.claimedAt - a.claimedAt)[0]!;
      // only when someone below their share can take it, or the board went offline
      await this.drop(last.boardId, "rebalance", true);
      return;
    }
    if (this.sessions.size + this.opening.size >= share) return;
    // spread the first claims: each host starts at its own offset in the sorted list
    const offset = hashOf(this.opts.hostId) % Math.max(1, boards.length);
    const wanted: string[] = [];
    for (let i = 0; i < boards.length && this.sessions.size + this.opening.size + wanted.length < share; i++) {
      const board = boards[(offset + i) % boards.length]!;
      if (this.sessions.has(board) || this.opening.has(board) || this.owners.current(board)) continue;
      // a claim this host just lost: the winner's value is on its way through the watch; meanwhile
      // take other boards rather than race for the same ones again every round
      if ((this.lostClaimAt.get(board) ?? -Infinity) > now - this.leaseMs) continue;
      wanted.push(board);
    }
    // every claim of the round at once, and the sessions opened beside the rounds: after a host died
    // its boards come together, and one at a time the last would wait for every other's MQTT link
    // and handshake, while this round (and so every renewal) waited for all of them
    await Promise.all(
      wanted.map(async (board) => {
        const from = this.lastHolder.get(board) ?? null;
        if (!(await this.owners.claim(board))) {
          this.lostClaimAt.set(board, Date.now());
          return;
        }
        this.lostClaimAt.delete(board);
        this.claims++;
        this.note({ kind: "claim", board, host: this.opts.hostId, from: from === this.opts.hostId ? null : from, at: Date.now() });
        this.opening.add(board);
        void this.open(board).finally(() => this.opening.delete(board));
      }),
    );
  }

  /** Opens the session of a board just claimed (released again if that fails, closed if the lease went meanwhile). */
  private async open(board: string): Promise<void> {
    try {
      const s = await BoardSession.open({
        boardId: board,
        mqttUrls: this.opts.mqttUrls,
        policy: this.opts.policy,
        models: this.opts.models,
        seed: this.opts.seed,
        subscribeQos: this.opts.subscribeQos,
        mqttVersion: this.opts.mqttVersion,
        epochBase: this.owners.current(board)?.base ?? 1,
      });
      this.note({ kind: "linked", board, host: this.opts.hostId, at: Date.now() });
      s.runtime.on("session", () => this.note({ kind: "session", board, host: this.opts.hostId, at: Date.now() }));
      // another host made a new session with the board: ours is over, whatever the bucket says yet
      s.onLost = () => void this.drop(board, "taken over");
      if (this.stopping || this.owners.current(board)?.holder !== this.opts.hostId) {
        await s.close();
        return;
      }
      this.sessions.set(board, s);
    } catch {
      await this.owners.release(board);
    }
  }

  private async drop(board: string, why: string, release = false): Promise<void> {
    const s = this.sessions.get(board);
    if (!s) return;
    this.sessions.delete(board);
    this.pastLatencyNs.push(...s.runtime.summary.arrivalToCommandNs);
    // the session ends before the lease: two hosts never talk to one board at once
    await s.close();
    if (release) await this.owners.release(board, s.runtime.currentEpoch);
    this.releases++;
    this.note({ kind: "release", board, host: this.opts.hostId, at: Date.now(), why });
  }

  stats(): FleetHostStats {
    const ns = [...this.pastLatencyNs];
    let arrivals = 0;
    for (const s of this.sessions.values()) {
      ns.push(...s.runtime.summary.arrivalToCommandNs);
    }
    arrivals = ns.length;
    const micros = ns.map((n) => n / 1000);
    return {
      host: this.opts.hostId,
      boards: [...this.sessions.keys()].sort(),
      claims: this.claims,
      releases: this.releases,
      arrivals,
      arrivalToCommandMicrosP50: percentile(micros, 50),
      arrivalToCommandMicrosP99: percentile(micros, 99),
      deathsHeard: this.deathsHeard,
    };
  }

  /** Board sessions held now (tests, the harness). */
  get boards(): string[] {
    return [...this.sessions.keys()];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    while (this.renewing || this.balancing) await new Promise((r) => setTimeout(r, 10));
    for (const b of [...this.sessions.keys()]) await this.drop(b, "shutdown", true);
    await this.hosts.release(this.opts.hostId);
    for (const f of this.stopFollow) f();
    await this.watch.endAsync().catch(() => {});
    await this.nc.close().catch(() => {});
  }
}

/**
 * A lease bucket (history 1: a lease is only its latest value), made if missing. Making a
 * replicated stream can take seconds on a loaded cluster, so that step waits long and is retried;
 * the handle the leases use then fails a request after one lease (`requestMs`): a renewal that
 * outlives its lease is of no use, the next round tries again.
 */
async function openBucket(nc: NatsConnection, name: string, replicas: number, requestMs: number): Promise<KV> {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      await nc.jetstream({ timeout: 10_000 }).views.kv(name, { history: 1, replicas });
      return await nc.jetstream({ timeout: Math.max(500, requestMs) }).views.kv(name, { history: 1, replicas, bindOnly: true });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A start-up request retried for up to a minute (a loaded cluster answers slowly at first). */
async function retried<T>(f: () => Promise<T>): Promise<T> {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** FNV-1a of a string (spreads the hosts' first claims over the board list). */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
