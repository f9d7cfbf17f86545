// Watches a board over MQTT and feeds what it sees to a monitor: a passive observer (it never
// publishes), so a laptop can watch a board that another host drives. It subscribes to
// immsched/<board>/+ (telemetry, heartbeat, hello, arrival, stage_done, task_done, the host's
// schedule/resume/preempt/drop, acks, error and the retained status), i.e. both directions, since
// the tile map comes from the host's commands and the finishes from the board's reports.
//
// Decoding is pluggable: the default turns raw frames into RuntimeEvents with the wire codec
// (firmware-bridge/protocol); a runtime with another transport or codec passes its own `decode`.
// One monitor shows one board: pass `board` when several publish on the same broker.

import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { checkBrokerUrl, clientSecurityOptions, securityFromEnv } from "../../firmware-bridge/link/mqtt-security.js";
import type { Socket } from "node:net";
import {
  decodeFrame,
  messageToCommand,
  parseTopic,
  NO_FRAME,
  STATUS_OFFLINE,
  TOPIC_ROOT,
  type Message,
} from "../../firmware-bridge/protocol/index.js";
import { type LinkCounters, type RuntimeEvent, doneEvent, stageEvent, telemetryInfo } from "../runtime/events.js";
import type { MonitorSink } from "./sink.js";

/** Payload (and its topic) -> events; undefined or [] for a message the monitor does not show. */
export type MonitorDecoder = (payload: Uint8Array, topic: string) => RuntimeEvent | RuntimeEvent[] | undefined;

export interface WatchOptions {
  /** Board id to watch (default "+": every board; fine when there is one). */
  board?: string;
  decode?: MonitorDecoder;
  /** For the default decoder: model names by ARRIVAL.modelId, and the policy to show on HELLO. */
  models?: readonly string[];
  policy?: string;
  /** QoS of the subscription (default 1: a lost SCHEDULE would leave the tile map wrong). */
  qos?: 0 | 1;
  /** Passed to mqtt.js (credentials, TLS, client id ...). */
  mqtt?: IClientOptions;
}

export interface MqttWatch {
  readonly client: MqttClient;
  /** Messages seen and how many the decoder rejected (also pushed to the monitor as `link`). */
  readonly counters: Readonly<LinkCounters>;
  close(): Promise<void>;
}

/**
 * The default decoder: raw protocol frames by topic (PROTOCOL.md "MQTT"). Commands carry no time,
 * so they take the board's latest time seen. A frame that does not decode throws (the watcher
 * counts it as rejected).
 */
export function protocolDecoder(opts: { models?: readonly string[]; policy?: string } = {}): MonitorDecoder {
  let now = 0;
  const at = (t: number) => (now = Math.max(now, t));
  return (payload, topic) => {
    const where = parseTopic(topic);
    if (!where) return undefined;
    if (where.kind === "status") {
      const text = new TextDecoder().decode(payload);
      return { time: now, note: { level: text === STATUS_OFFLINE ? "error" : "info", text: `board ${where.boardId} is ${text}` } };
    }
    const r = decodeFrame(payload);
    if (!r.ok) throw new Error(`${topic}: frame rejected (${r.error})`);
    return toEvents(r.message, where.boardId, at, () => now, opts);
  };
}

function toEvents(
  m: Message,
  boardId: string,
  at: (t: number) => number,
  now: () => number,
  opts: { models?: readonly string[]; policy?: string },
): RuntimeEvent | RuntimeEvent[] | undefined {
  switch (m.type) {
    case "hello":
      return {
        time: at(m.boardTimeNs),
        hello: { board: boardId, policy: opts.policy ?? "unknown", width: m.meshWidth, height: m.meshHeight },
      };
    case "arrival": {
      const a = {
        id: m.taskId,
        model: opts.models?.[m.modelId] ?? `model ${m.modelId}`,
        priority: m.priority,
        arrivalNs: m.arrivalNs,
        deadlineNs: m.deadlineNs,
      };
      return { time: at(m.arrivalNs), arrival: m.frame === NO_FRAME ? a : { ...a, frame: m.frame } };
    }
    case "stage_done":
      return { time: at(m.boardTimeNs), board: stageEvent(m) };
    case "task_done":
      return { time: at(m.boardTimeNs), board: doneEvent(m) };
    case "schedule":
    case "resume":
    case "preempt":
    case "drop": {
      const command = messageToCommand(m);
      return command ? { time: now(), command } : undefined;
    }
    case "batch": // protocol 2: one decision's commands in one frame
      return m.commands.flatMap((c) => {
        const command = messageToCommand(c);
        return command ? [{ time: now(), command }] : [];
      });
    case "telemetry":
      return { time: at(m.boardTimeNs), telemetry: telemetryInfo(m) };
    case "heartbeat":
      at(m.boardTimeNs); // keeps command times current; nothing to show
      return undefined;
    case "error":
      return { time: now(), note: { level: "error", text: `board ${boardId} error ${m.code}: ${m.text}` } };
    case "nack":
      return { time: now(), note: { level: "warn", text: `NACK of seq ${m.ackedSeq} (${m.reason})` } };
    default:
      return undefined; // ack, hello_request
  }
}

const NUDGE_SUFFIX_BOARD = "/nudge_board";
const NUDGE_SUFFIX_HOST = "/nudge_host";

export async function watchMqtt(url: string, monitor: MonitorSink, opts: WatchOptions = {}): Promise<MqttWatch> {
  const decode = opts.decode ?? protocolDecoder(opts);
  const topic = `${TOPIC_ROOT}/${opts.board ?? "+"}/+`;
  const counters: LinkCounters = { framesSent: 0, framesReceived: 0, framesRejected: 0, retries: 0 };
  let lastTime = 0;
  let reported = -1;
  const report = () => {
    if (counters.framesReceived === reported) return;
    reported = counters.framesReceived;
    monitor.push({ time: lastTime, link: { ...counters } });
  };

  checkBrokerUrl(url);
  const client = await mqtt.connectAsync(url, {
    ...clientSecurityOptions(securityFromEnv()),
    clientId: `immsched-monitor-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`,
    clean: true,
    reconnectPeriod: 1000,
    ...opts.mqtt,
  });
  // Nagle's algorithm would hold small frames back by tens of ms (docs/ARCHITECTURE.md "Real parts")
  const noDelay = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  noDelay();
  client.on("connect", noDelay);
  client.on("message", (t, payload) => {
    if (t.endsWith(NUDGE_SUFFIX_BOARD) || t.endsWith(NUDGE_SUFFIX_HOST)) return; // TCP ACK carriers, not frames
    counters.framesReceived++;
    let out: RuntimeEvent | RuntimeEvent[] | undefined;
    try {
      out = decode(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), t);
    } catch (err) {
      counters.framesRejected++;
      monitor.push({ time: lastTime, note: { level: "warn", text: (err as Error).message } });
      report();
      return;
    }
    for (const e of out === undefined ? [] : Array.isArray(out) ? out : [out]) {
      lastTime = Math.max(lastTime, e.time);
      monitor.push(e);
    }
  });
  await client.subscribeAsync(topic, { qos: opts.qos ?? 1 });
  // the link counters go out once a second, not per frame: they would double the event rate
  const timer = setInterval(report, 1000);
  timer.unref();

  return {
    client,
    counters,
    async close() {
      clearInterval(timer);
      report();
      await client.endAsync();
    },
  };
}
