// Frames over MQTT with mqtt.js (PROTOCOL.md §7): one topic per message kind,
// immsched/<board>/<kind>, the raw frame as payload, QoS 1. The board side connects with a
// retained last will "offline" on immsched/<board>/status and publishes a retained "online".
//
// MQTT 5 is asked for first; a broker that refuses it (aedes speaks 3.1.1 only) is connected to
// again with 3.1.1. Nagle's algorithm is turned off on the client socket: with it on, a QoS 1
// round trip on loopback takes ~21 ms instead of ~0.3 ms (docs/ARCHITECTURE.md "Real parts").

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
  /**
   * More brokers of the same cluster (host/fleet): after a lost connection mqtt.js reconnects to
   * the next URL of [url, ...fallbackUrls] in turn, so a board rides out a dead broker node.
   */
  fallbackUrls?: string[];
  /**
   * QoS of the subscriptions (default 1). 0 on a NATS cluster (host/fleet): its MQTT QoS 1
   * subscription is a JetStream consumer, slow to create (~0.4 s each on 3 nodes) and lost with the
   * node that holds it; the protocol's own ACK and retry (PROTOCOL.md §5) already cover a lost frame.
   */
  subscribeQos?: 0 | 1;
}

/** mqtt.js `servers`: every URL in turn, one per reconnection attempt. */
function serverList(urls: string[]): NonNullable<IClientOptions["servers"]> {
  return urls.map((u) => {
    const url = new URL(u);
    return { host: url.hostname, port: Number(url.port || 1883), protocol: url.protocol.replace(":", "") as "mqtt" };
  });
}

async function connect(url: string, options: IClientOptions): Promise<{ client: MqttClient; version: 4 | 5 }> {
  try {
    const client = await mqtt.connectAsync(url, { ...options, protocolVersion: 5 }, false);
    return { client, version: 5 };
  } catch (err) {
    // a 3.1.1-only broker refuses the MQTT 5 CONNECT (or closes the socket): try 3.1.1
    try {
      const client = await mqtt.connectAsync(url, { ...options, protocolVersion: 4 }, false);
      return { client, version: 4 };
    } catch {
      throw new LinkError(`cannot connect to the MQTT broker at ${url}: ${(err as Error).message}`);
    }
  }
}

export class MqttTransport implements FrameTransport {
  readonly stats: TransportStats = emptyStats();
  readonly describe: string;
  private handler: (frame: Uint8Array, type?: MessageType) => void = () => {};
  private statusHandler: (s: "online" | "offline") => void = () => {};
  private externalHandler: (payload: Buffer) => void = () => {};
  private rawHandler: (topic: string, payload: Buffer) => void = () => {};
  /** Built once: it is compared against every incoming topic. */
  private readonly feedTopic: string;

  private constructor(
    private readonly client: MqttClient,
    readonly version: 4 | 5,
    private readonly opts: MqttTransportOptions,
  ) {
    this.describe = `${opts.url} (MQTT ${version === 5 ? "5" : "3.1.1"}, board ${opts.boardId})`;
    this.feedTopic = arrivalsTopic(opts.boardId);
    client.on("message", (topic, payload) => this.receive(topic, payload));
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
    const options: IClientOptions = {
      clientId: `immsched-${opts.side}-${opts.boardId}-${process.pid}-${Math.floor(performance.now())}`,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      reconnectPeriod: 1000,
      clean: true,
      ...(opts.side === "board"
        ? { will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1 as const, retain: true } }
        : {}),
      ...(opts.fallbackUrls?.length ? { servers: serverList([opts.url, ...opts.fallbackUrls]) } : {}),
    };
    const { client, version } = await connect(opts.url, options);
    const t = new MqttTransport(client, version, opts);
    setNoDelay(client);
    client.on("connect", () => setNoDelay(client)); // after a reconnect too
    const topics = subscriptions(opts.side, opts.boardId);
    if (opts.externalArrivals) topics.push(arrivalsTopic(opts.boardId));
    await client.subscribeAsync(topics, { qos: opts.subscribeQos ?? 1 });
    if (opts.side === "board") {
      await client.publishAsync(statusTopic, STATUS_ONLINE, { qos: 1, retain: true });
      // after a lost connection the broker may have published the will ("offline"): say online again
      client.on("connect", () => void client.publishAsync(statusTopic, STATUS_ONLINE, { qos: 1, retain: true }).catch(() => {}));
    }
    return t;
  }

  private receive(topic: string, payload: Buffer): void {
    if (topic === this.feedTopic) {
      this.externalHandler(payload);
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
      if (s === STATUS_ONLINE || s === STATUS_OFFLINE) this.statusHandler(s);
      return;
    }
    this.stats.framesReceived++;
    this.handler(new Uint8Array(payload.buffer, payload.byteOffset, payload.length), where.type);
  }

  /**
   * QoS 1 for the frames the protocol acknowledges itself (arrivals, events, commands, HELLO);
   * QoS 0 for ACK, NACK, HEARTBEAT, TELEMETRY and the rest, which are never retried: a broker
   * PUBACK for them would double the traffic for nothing.
   */
  send(frame: Uint8Array, type: MessageType): void {
    this.stats.framesSent++;
    this.stats.bytesSent += frame.length;
    this.client.publish(topicFor(this.opts.boardId, type, this.opts.side), Buffer.from(frame), { qos: RELIABLE.has(type) ? 1 : 0 });
  }

  onFrame(handler: (frame: Uint8Array, type?: MessageType) => void): void {
    this.handler = handler;
  }

  onStatus(handler: (s: "online" | "offline") => void): void {
    this.statusHandler = handler;
  }

  /** JSON payloads of the external arrivals feed (with `externalArrivals`). */
  onExternal(handler: (payload: Buffer) => void): void {
    this.externalHandler = handler;
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

function setNoDelay(client: MqttClient): void {
  const stream = (client as unknown as { stream?: Socket }).stream;
  if (stream && typeof stream.setNoDelay === "function") stream.setNoDelay(true);
}
