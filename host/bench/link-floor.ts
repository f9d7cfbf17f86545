// `npm run bench:link-floor -- RATE`: the floor of the MQTT link on this machine. A "host" that only
// ACKs (its Endpoint, no core) and the load generator share one process, against a Mosquitto with
// no-delay: what a QoS 1 ARRIVAL -> ACK round trip costs before any scheduling is done.

import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { MQTT_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import { startMosquitto } from "../net/mosquitto.js";
import { percentile } from "../sim/metrics.js";
import { machineLine } from "./machine.js";
import { paceAt } from "./pace.js";

const rate = Number(process.argv[2] ?? 5000);
const broker = await startMosquitto();
const host = new Endpoint(await MqttTransport.open({ url: broker.url, boardId: "e1", side: "host" }), {
  side: "host",
  retryMs: MQTT_RETRY_MS,
});
host.on("message", () => {}); // ACKs are the endpoint's own: nothing else to do
const board = new Endpoint(await MqttTransport.open({ url: broker.url, boardId: "e1", side: "board" }), {
  side: "board",
  retryMs: MQTT_RETRY_MS,
  window: 1024,
});
const sentAt = new Map<number, number>();
const lat: number[] = [];
board.on("acked", (m) => {
  const at = m.type === "arrival" ? sentAt.get(m.taskId) : undefined;
  if (at !== undefined) lat.push(performance.now() - at);
});
const sent = await paceAt(rate, 3000, (i) => {
  sentAt.set(i, performance.now());
  board.send({ type: "arrival", taskId: i, modelId: 0, priority: 1, frame: i, arrivalNs: 1, deadlineNs: 2 });
});
await new Promise((r) => setTimeout(r, 500));
console.log(`machine: ${machineLine()}`);
console.log(
  `link floor at ${rate} arrivals/s (ACK-only host in-process, Mosquitto no-delay, QoS 1): ` +
    `acked ${lat.length}/${sent}, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms`,
);
broker.close();
process.exit(0);
