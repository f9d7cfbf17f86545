// The MQTT transport against the machine's stock Mosquitto (127.0.0.1:1883, Nagle on): what it
// puts on the broker, seen by a plain mqtt.js client subscribed beside it. Frames go at QoS 0 (the
// protocol ACKs them itself) and, after a frame nothing answered, one empty "nudge" carries the TCP
// acknowledgement the broker's Nagle waits for (firmware-bridge/link/mqtt.ts). Latency is measured
// by `npm run bench:link`, not asserted here.
import { afterEach, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { MqttTransport, nudgeTopic } from "../../../firmware-bridge/link/mqtt.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { TOPIC_ROOT, encodeMessage } from "../../../firmware-bridge/protocol/index.js";
import { lacksBrokerOn1883 } from "../../support/requires.js";

const URL = "mqtt://127.0.0.1:1883";
const NO_BROKER = await lacksBrokerOn1883("the MQTT transport on the stock Mosquitto");
const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

async function spy(boardId: string): Promise<{ seen: Array<{ topic: string; qos: number; bytes: number }>; client: MqttClient }> {
  const client = await mqtt.connectAsync(URL, { protocolVersion: 5 });
  opened.push({ close: () => client.endAsync() });
  const seen: Array<{ topic: string; qos: number; bytes: number }> = [];
  client.on("message", (topic, payload, packet) => seen.push({ topic, qos: packet.qos, bytes: payload.length }));
  await client.subscribeAsync(`${TOPIC_ROOT}/${boardId}/#`, { qos: 1 });
  return { seen, client };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe.skipIf(NO_BROKER)("MQTT transport on a stock broker", () => {
  it("publishes every frame at QoS 0, reliable or not, and nudges once after a frame nothing answered", async () => {
    const id = `mq${process.pid}`;
    const { seen } = await spy(id);
    const host = await MqttTransport.open({ url: URL, boardId: id, side: "host" });
    const board = await MqttTransport.open({ url: URL, boardId: id, side: "board" });
    opened.push(host, board);
    const hostEp = new Endpoint(host, { side: "host", retryMs: 1000 });
    const boardEp = new Endpoint(board, { side: "board", retryMs: 1000 });
    opened.push({
      close: async () => {
        hostEp.close();
        boardEp.close();
      },
    });

    // the board's ARRIVAL (reliable): the host answers it with an ACK, so the host does not nudge;
    // the ACK reaches the board, which answers nothing: the board nudges
    boardEp.send({ type: "arrival", taskId: 7, modelId: 0, priority: 1, frame: 0, arrivalNs: 1, deadlineNs: 2 });
    await until(() => board.nudges === 1, "the board's nudge");
    await until(() => seen.some((s) => s.topic === nudgeTopic(id, "board")), "the nudge on the broker");
    const arrival = seen.find((s) => s.topic === `${TOPIC_ROOT}/${id}/arrival`);
    const ack = seen.find((s) => s.topic === `${TOPIC_ROOT}/${id}/host_ack`);
    expect(arrival?.qos).toBe(0);
    expect(ack?.qos).toBe(0);
    expect(host.nudges).toBe(0);
    expect(seen.filter((s) => s.topic === nudgeTopic(id, "board"))).toEqual([{ topic: nudgeTopic(id, "board"), qos: 0, bytes: 0 }]);
    // nobody but the spy hears nudges: they are not frames
    expect(hostEp.stats.framesReceived).toBe(1);
    expect(boardEp.stats.framesReceived).toBe(1);
    expect(boardEp.stats.framesRejected + hostEp.stats.framesRejected).toBe(0);
  });

  it("with qos 1 and no nudge (protocol 1's client, kept for measurements) reliable frames go at QoS 1 and nothing is nudged", async () => {
    const id = `mq${process.pid}p1`;
    const { seen } = await spy(id);
    const board = await MqttTransport.open({ url: URL, boardId: id, side: "board", qos: 1, nudge: false });
    opened.push(board);
    board.send(encodeMessage({ type: "arrival", taskId: 1, modelId: 0, priority: 1, frame: 0, arrivalNs: 1, deadlineNs: 2 }, 0), "arrival");
    board.send(encodeMessage({ type: "heartbeat", boardTimeNs: 1, counter: 0, rxRejected: 0 }, 1), "heartbeat");
    await until(() => seen.filter((s) => s.topic.endsWith("/arrival") || s.topic.endsWith("/heartbeat")).length === 2, "both frames");
    expect(seen.find((s) => s.topic.endsWith("/arrival"))?.qos).toBe(1);
    expect(seen.find((s) => s.topic.endsWith("/heartbeat"))?.qos).toBe(0);
    expect(board.nudges).toBe(0);
  });

  it("reconnects a clean session with a new client id (a NATS cluster locks the old one to a dead node), a persistent one with its own", async () => {
    const id = `mqid${process.pid}`;
    const clean = await MqttTransport.open({ url: URL, boardId: id, side: "board", reconnectMs: 100 });
    const kept = await MqttTransport.open({
      url: URL,
      boardId: id,
      side: "host",
      persistentSession: true,
      clientId: `immsched-test-${id}`,
    });
    opened.push(clean, kept);
    const clientOf = (t: MqttTransport) => (t as unknown as { client: MqttClient }).client;
    const ids = [clientOf(clean).options.clientId, clientOf(kept).options.clientId];
    // the wait before each reconnection: the fleet's (reconnectMs) and the default
    expect([clientOf(clean).options.reconnectPeriod, clientOf(kept).options.reconnectPeriod]).toEqual([100, 1000]);
    let reconnected = 0;
    clean.onReconnect(() => reconnected++);
    // both lose their connection (as when their broker node dies) and mqtt.js reconnects them
    for (const t of [clean, kept]) {
      const c = clientOf(t);
      const back = new Promise((r) => c.once("connect", r));
      (c as unknown as { stream: { destroy(): void } }).stream.destroy();
      await back;
    }
    expect(clientOf(clean).options.clientId).not.toBe(ids[0]);
    expect(clientOf(kept).options.clientId).toBe(ids[1]);
    // the endpoint hears of it once the transport subscribed again (then it resends what it had out)
    await until(() => reconnected === 1, "the reconnection reported");
    // and frames still flow both ways on the new connections
    const got: string[] = [];
    clean.onFrame((_f, type) => got.push(`board got ${type}`));
    kept.onFrame((_f, type) => got.push(`host got ${type}`));
    await until(() => {
      clean.send(encodeMessage({ type: "heartbeat", boardTimeNs: 1, counter: 1, rxRejected: 0 }, 1), "heartbeat");
      kept.send(encodeMessage({ type: "hello_request" }, 1), "hello_request");
      return got.includes("board got hello_request") && got.includes("host got heartbeat");
    }, "frames after the reconnection");
  });

  it("says online again when the broker published its will while it reconnected, and otherwise publishes no status on a reconnection", async () => {
    const id = `mqst${process.pid}`;
    const status = `${TOPIC_ROOT}/${id}/status`;
    const board = await MqttTransport.open({ url: URL, boardId: id, side: "board" });
    opened.push(board);
    const watcher = await mqtt.connectAsync(URL, { protocolVersion: 5 });
    opened.push({ close: () => watcher.endAsync() });
    const heard: string[] = [];
    watcher.on("message", (_t, p) => heard.push(p.toString()));
    await watcher.subscribeAsync(status, { qos: 1 });
    await until(() => heard.includes("online"), "the retained online");
    const c = (board as unknown as { client: MqttClient }).client;
    // the connection drops: Mosquitto publishes the board's will, the board reconnects, hears the
    // retained "offline" on its own status topic and corrects it
    (c as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until(() => heard.lastIndexOf("online") > heard.indexOf("offline") && heard.includes("offline"), "offline, then online again");
    expect(board.statusRepairs).toBe(1);
    // a status nobody contradicts is not published again: after a clean DISCONNECT (no will) and a
    // reconnection the watcher hears nothing (on NATS such a retained publish held the link for 4 s)
    const before = heard.length;
    await c.endAsync();
    const back = new Promise((r) => c.once("connect", r));
    c.reconnect();
    await back;
    await new Promise((r) => setTimeout(r, 300));
    expect(heard.slice(before)).toEqual([]);
    expect(board.statusRepairs).toBe(1);
  });
});
