// Frames over MQTT with mqtt.js (PROTOCOL.md §7): one topic per message kind,
// immsched/<board>/<kind>, the raw frame as payload, QoS 0. The board side connects with a
// retained last will "offline" on immsched/<board>/status and publishes a retained "online".
//
// MQTT 5 is asked for first; a broker that refuses it (aedes speaks 3.1.1 only) is connected to
// again with 3.1.1.
//
// Latency on a stock broker (Mosquitto as Debian ships it: Nagle on, `set_tcp_nodelay false`).
// The broker holds a small packet to a client while its previous small packet to that client is
// unacknowledged by TCP (Nagle, RFC 896), and the client's kernel delays that acknowledgement up
// to 40 ms (Linux delayed ACK, RFC 1122 §4.2.3.2) unless the client sends something first: every
// second message in a row from the broker then waits ~40 ms. Measured here (publish -> echo ->
// back, loopback): 42 ms at QoS 1, where the broker's PUBACK is the first of two packets. So, from
// the client side only:
//  - frames go at QoS 0: the protocol ACKs, retries and de-duplicates them itself (§5), and the
//    broker's PUBACK is exactly the unanswered packet that makes the next one wait;
//  - the commands of one decision are one message (BATCH, the host runtime);
//  - after a frame it does not answer (an ACK, HEARTBEAT, TELEMETRY), the client publishes an empty
//    QoS 0 "nudge" nobody subscribes to: its only job is to carry the TCP acknowledgement at once;
//  - Nagle is off on the client's own socket (TCP_NODELAY).

import mqtt, { type MqttClient, type IClientOptions } from "mqtt";
import type { Socket } from "node:net";
import {
  type MessageType,
  type Side,
  RELIABLE,
  topicFor,
  parseTopic,
  subscriptions,
  TOPIC_ROOT,
  STATUS_KIND,
  STATUS_ONLINE,
  STATUS_OFFLINE,
} from "../protocol/index.js";
import { type FrameTransport, type TransportStats, emptyStats } from "./transport.js";
import { LinkError } from "./errors.js";
import { type MqttSecurity, checkBrokerUrl, clientSecurityOptions, securityFromEnv } from "./mqtt-security.js";

/** Topic of the external arrivals feed (JSON, published by other services; see README). */
export function arrivalsTopic(boardId: string): string {
  return `${TOPIC_ROOT}/${boardId}/arrivals`;
}

export interface MqttTransportOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  boardId: string;
  side: Side;
  /** Also deliver the JSON arrivals feed to `onExternal` (default false). */
  externalArrivals?: boolean;
  /** Connect timeout, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Credentials and TLS files (default: from IMMSCHED_MQTT_*, mqtt-security.ts). */
  security?: MqttSecurity;
  /** QoS of protocol frames (default 0; 1 is protocol 1's choice, kept for measurements). */
  qos?: 0 | 1;
  /** Publish a nudge after a frame nothing answered (default true; false for measurements). */
  nudge?: boolean;
  /** Broker credentials (immsched run takes them from the environment only). */
  username?: string;
  password?: string;
  /**
   * More brokers of the same cluster (host/fleet): after a lost connection mqtt.js reconnects to
   * the next URL of [url, ...fallbackUrls] in turn, so a board rides out a dead broker node.
   */
  fallbackUrls?: string[];
  /**
   * Wait before each reconnection attempt after a lost connection, ms (default 1000). The fleet's
   * links use FLEET_RECONNECT_MS: with a cluster's next node to go to, the wait is the outage.
   */
  reconnectMs?: number;
  /**
   * QoS of the subscriptions (default 1). 0 on a NATS cluster (host/fleet): its MQTT QoS 1
   * subscription is a JetStream consumer, slow to create (~0.4 s each on 3 nodes) and lost with the
   * node that holds it; the protocol's own ACK and retry (PROTOCOL.md §5) already cover a lost frame.
   */
  subscribeQos?: 0 | 1;
  /**
   * Keep the MQTT session across lost connections and restarts (default false): a stable client id
   * (`clientId`, default `immsched-<side>-<boardId>`), clean session off and, on MQTT 5, a session
   * expiry of `sessionExpirySeconds` (default 3600). The broker then keeps the subscriptions and
   * queues QoS 1 messages (the arrivals feed) while this side is away, and delivers them when it is
   * back (a broker restart keeps them too when the broker persists its sessions). Two processes with
   * the same client id take the session from each other: one host per board.
   */
  persistentSession?: boolean;
  clientId?: string;
  sessionExpirySeconds?: number;
  /**
   * MQTT version to speak (default: 5, then 3.1.1 if refused). 4 skips the refused MQTT 5 attempt
   * on a broker known to speak 3.1.1 only (NATS: a fleet host opens a link per board it takes over).
   */
  protocolVersion?: 4 | 5;
}

/** Feed messages kept until `onExternal` is set (a persistent session delivers its queue at connect). */
const MAX_EARLY_FEED = 1024;

/** mqtt.js `servers`: every URL in turn, one per reconnection attempt. */
function serverList(urls: string[]): NonNullable<IClientOptions["servers"]> {
  return urls.map((u) => {
    const url = new URL(u);
    return { host: url.hostname, port: Number(url.port || 1883), protocol: url.protocol.replace(":", "") as "mqtt" };
  });
}

interface Connected {
  client: MqttClient;
  version: 4 | 5;
  /** Messages that came with the CONNACK (a persistent session's queue), before anyone listened. */
  early: Array<[topic: string, payload: Buffer]>;
  /** Stops keeping early messages (the transport listens from then on). */
  stopKeeping: () => void;
}

/** One CONNECT attempt, no retries; messages that arrive before the caller listens are kept. */
function connectOnce(url: string, options: IClientOptions, version: 4 | 5): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { ...options, protocolVersion: version, reconnectPeriod: 0 });
    const early: Connected["early"] = [];
    const keep = (topic: string, payload: Buffer) => early.push([topic, payload]);
    client.on("message", keep);
    let settled = false;
    // stays as a listener: an error between CONNACK and the transport's own listener must not throw
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end(true);
      reject(err);
    };
    client.on("error", fail);
    client.once("close", () => fail(new Error("connection closed before CONNACK")));
    client.once("connect", () => {
      if (settled) return;
      settled = true;
      client.options.reconnectPeriod = options.reconnectPeriod ?? 1000; // from now on, mqtt.js reconnects
      resolve({ client, version, early, stopKeeping: () => client.removeListener("message", keep) });
    });
  });
}

async function connect(url: string, options: IClientOptions, sessionExpirySeconds?: number, only?: 4 | 5): Promise<Connected> {
  let refused: Error | undefined;
  if (only !== 4) {
    const v5 = sessionExpirySeconds === undefined ? options : { ...options, properties: { sessionExpiryInterval: sessionExpirySeconds } };
    try {
      return await connectOnce(url, v5, 5);
    } catch (err) {
      refused = err as Error; // a 3.1.1-only broker refuses the MQTT 5 CONNECT (or closes the socket): try 3.1.1
    }
  }
  try {
    return await connectOnce(url, options, 4);
  } catch (err) {
    throw new LinkError(`cannot connect to the MQTT broker at ${url}: ${(refused ?? (err as Error)).message}`);
  }
}

export class MqttTransport implements FrameTransport {
  readonly stats: TransportStats = emptyStats();
  readonly describe: string;
  private handler: (frame: Uint8Array, type?: MessageType) => void = () => {};
  private statusHandler: (s: "online" | "offline") => void = () => {};
  /** Board side: times the broker said this board was offline while it was connected, and it said online again. */
  statusRepairs = 0;
  private reconnectHandler: () => void = () => {};
  private externalHandler?: (payload: Buffer) => void;
  /** Feed messages received before `onExternal` (bounded by MAX_EARLY_FEED; more are counted in `malformed`). */
  private readonly earlyFeed: Buffer[] = [];
  private rawHandler: (topic: string, payload: Buffer) => void = () => {};
  /** Built once: it is compared against every incoming topic. */
  private readonly feedTopic: string;
  private readonly nudgeTopic: string;
  private readonly qos: 0 | 1;
  private readonly nudge: boolean;
  /** Publications so far (frames, nudges, raw): a handler that published nothing needs a nudge. */
  private published = 0;
  /** Nudges sent (see the header: the TCP acknowledgement a stock broker waits for). */
  nudges = 0;
  private nudgeDue = false;

  private constructor(
    private readonly client: MqttClient,
    readonly version: 4 | 5,
    private readonly opts: MqttTransportOptions,
    connected?: Pick<Connected, "early" | "stopKeeping">,
  ) {
    this.describe = `${opts.url} (MQTT ${version === 5 ? "5" : "3.1.1"}, board ${opts.boardId})`;
    this.feedTopic = arrivalsTopic(opts.boardId);
    this.nudgeTopic = nudgeTopic(opts.boardId, opts.side);
    this.qos = opts.qos ?? 0;
    this.nudge = opts.nudge ?? true;
    client.on("message", (topic, payload) => this.receive(topic, payload));
    connected?.stopKeeping();
    for (const [topic, payload] of connected?.early ?? []) this.receive(topic, payload);
    // a lost broker connection is counted; mqtt.js reconnects every second by itself
    client.on("error", (err) => {
      this.stats.errors++;
      this.stats.lastError = err.message;
    });
    client.on("offline", () => {
      this.stats.errors++;
      this.stats.lastError = "broker connection lost";
    });
  }

  static async open(opts: MqttTransportOptions): Promise<MqttTransport> {
    const statusTopic = `${TOPIC_ROOT}/${opts.boardId}/${STATUS_KIND}`;
    checkBrokerUrl(opts.url);
    const persistent = opts.persistentSession ?? false;
    // a clean session's id is ours to pick: a fresh one at every connection (renewed below)
    const freshId = () => `immsched-${opts.side}-${opts.boardId}-${process.pid}-${Math.floor(performance.now())}`;
    const options: IClientOptions = {
      ...clientSecurityOptions(opts.security ?? securityFromEnv()),
      clientId: opts.clientId ?? (persistent ? `immsched-${opts.side}-${opts.boardId}` : freshId()),
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      reconnectPeriod: opts.reconnectMs ?? 1000,
      clean: !persistent,
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.side === "board"
        ? { will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1 as const, retain: true } }
        : {}),
      ...(opts.fallbackUrls?.length ? { servers: serverList([opts.url, ...opts.fallbackUrls]) } : {}),
    };
    const connected = await connect(opts.url, options, persistent ? (opts.sessionExpirySeconds ?? 3600) : undefined, opts.protocolVersion);
    const { client, version } = connected;
    const t = new MqttTransport(client, version, opts, connected);
    if (!persistent && opts.clientId === undefined) {
      // A NATS cluster keeps a client id locked to the node that held it: after that node dies, a
      // CONNECT with the same id anywhere waits until ~8 s after the crash (measured: README
      // "Fleet"), while a new id connects at once. A clean session has nothing to resume, so each
      // reconnection asks with a new id (mqtt.js builds every CONNECT from client.options)
      client.on("close", () => {
        client.options.clientId = freshId();
      });
    }
    setNoDelay(client);
    const topics = subscriptions(opts.side, opts.boardId);
    if (opts.externalArrivals) topics.push(arrivalsTopic(opts.boardId));
    // a board hears its own status (receive(): it corrects an "offline" said while it is connected)
    if (opts.side === "board") topics.push(statusTopic);
    const qos = opts.subscribeQos ?? 1;
    // every later connection: subscribed again (mqtt.js does too, but only after delivering what it
    // queued, and says nothing when done), then the endpoint resends what the outage may have taken,
    // so the answers find our subscriptions in place
    client.on("connect", () => {
      setNoDelay(client);
      client
        .subscribeAsync(topics, { qos })
        .then(() => t.reconnectHandler())
        .catch(() => {});
    });
    await client.subscribeAsync(topics, { qos });
    if (opts.side === "board") await client.publishAsync(statusTopic, STATUS_ONLINE, { qos: 1, retain: true });
    return t;
  }

  private receive(topic: string, payload: Buffer): void {
    if (topic === this.feedTopic) {
      if (this.externalHandler) this.externalHandler(payload);
      else if (this.earlyFeed.length < MAX_EARLY_FEED) this.earlyFeed.push(payload);
      else this.stats.malformed++;
      return;
    }
    const where = parseTopic(topic);
    if (!where || where.boardId !== this.opts.boardId) {
      if (!topic.startsWith(`${TOPIC_ROOT}/`)) this.rawHandler(topic, payload);
      else this.stats.malformed++;
      return;
    }
    if (where.kind === "status") {
      const s = payload.toString();
      if (this.opts.side === "board") {
        // After a lost connection the broker may have published the will ("offline"), even after
        // this board reconnected elsewhere; the retained value comes again with every (re)subscribe,
        // so say online again when it says offline. Not blindly at every reconnection: on NATS a
        // retained publish waits for the retained-messages stream, and while that stream elects a
        // leader (its node died) the server holds every later frame of the connection for 4 s
        // (measured: README "Fleet"); a crashed node publishes no will, so then nothing is sent.
        if (s === STATUS_OFFLINE) {
          this.statusRepairs++;
          void this.client.publishAsync(topic, STATUS_ONLINE, { qos: 1, retain: true }).catch(() => {});
        }
        return;
      }
      if (s === STATUS_ONLINE || s === STATUS_OFFLINE) this.statusHandler(s);
      return;
    }
    this.stats.framesReceived++;
    const before = this.published;
    this.handler(new Uint8Array(payload.buffer, payload.byteOffset, payload.length), where.type);
    if (this.nudge && this.published === before && !this.nudgeDue) {
      // one nudge for every unanswered frame of this turn (one TCP read often holds several), and
      // none when something else goes out first: any publication carries the TCP ACK
      this.nudgeDue = true;
      const mark = this.published;
      process.nextTick(() => {
        this.nudgeDue = false;
        if (this.published !== mark) return;
        this.published++;
        this.nudges++;
        this.client.publish(this.nudgeTopic, EMPTY, { qos: 0 });
      });
    }
  }

  /**
   * Every frame at QoS 0 (PROTOCOL.md §7): the protocol acknowledges and retries the reliable ones
   * itself. With `qos: 1` (measurements only) the reliable ones go at QoS 1 as in protocol 1.
   */
  send(frame: Uint8Array, type: MessageType): void {
    this.stats.framesSent++;
    this.stats.bytesSent += frame.length;
    this.published++;
    const qos = this.qos === 1 && RELIABLE.has(type) ? 1 : 0;
    this.client.publish(topicFor(this.opts.boardId, type, this.opts.side), Buffer.from(frame), { qos });
  }

  onFrame(handler: (frame: Uint8Array, type?: MessageType) => void): void {
    this.handler = handler;
  }

  onStatus(handler: (s: "online" | "offline") => void): void {
    this.statusHandler = handler;
  }

  /** Every connection after the first (mqtt.js reconnected; it re-subscribed first, so answers reach us). */
  onReconnect(handler: () => void): void {
    this.reconnectHandler = handler;
  }

  /** JSON payloads of the external arrivals feed (with `externalArrivals`). */
  onExternal(handler: (payload: Buffer) => void): void {
    this.externalHandler = handler;
    for (const payload of this.earlyFeed.splice(0)) handler(payload);
  }

  /** Subscribes to any topic (tools: a broker round-trip probe); messages go to `onRaw`. */
  async subscribeRaw(topic: string): Promise<void> {
    await this.client.subscribeAsync(topic, { qos: 1 });
  }

  /** Every message on a topic that is not a protocol frame, status or arrivals feed. */
  onRaw(handler: (topic: string, payload: Buffer) => void): void {
    this.rawHandler = handler;
  }

  /** Publishes on any topic (tests and tools: an external arrival, a status). */
  publishRaw(topic: string, payload: string | Buffer, retain = false): Promise<unknown> {
    this.published++;
    return this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    if (this.opts.side === "board") {
      // a clean shutdown says so itself; the will covers a crash
      await this.client
        .publishAsync(`${TOPIC_ROOT}/${this.opts.boardId}/${STATUS_KIND}`, STATUS_OFFLINE, { qos: 1, retain: true })
        .catch(() => {});
    }
    await this.client.endAsync();
  }
}

const EMPTY = Buffer.alloc(0);

/** Where a side's nudges go: immsched/<board>/nudge_<side>, a topic nobody subscribes to. */
export function nudgeTopic(boardId: string, side: Side): string {
  return `${TOPIC_ROOT}/${boardId}/nudge_${side}`;
}

function setNoDelay(client: MqttClient): void {
  const stream = (client as unknown as { stream?: Socket }).stream;
  if (stream && typeof stream.setNoDelay === "function") stream.setNoDelay(true);
}
