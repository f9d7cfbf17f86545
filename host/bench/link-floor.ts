// `npm run bench:link-floor -- [RATE] [--client p1|p2] [--broker URL]`: the floor of the MQTT link on
// this machine. A "host" that only ACKs (its Endpoint, no core) and the load generator share one
// process: what an ARRIVAL -> ACK round trip costs before any scheduling is done. `--client p2`
// (default) is protocol 2's client (QoS 0 and a nudge after an unanswered frame, link/mqtt.ts),
// `p1` protocol 1's (QoS 1, no nudge). Without --broker, a Mosquitto with set_tcp_nodelay started here.

import { Command } from "commander";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { MQTT_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import { startMosquitto } from "../net/mosquitto.js";
import { percentile } from "../sim/metrics.js";
import { machineLine } from "./machine.js";
import { paceAt } from "./pace.js";

const cli = new Command()
  .argument("[rate]", "arrivals per second", "5000")
  .option("--client <p1|p2>", "protocol 1's MQTT client (QoS 1) or protocol 2's (QoS 0 + nudge)", "p2")
  .option("--broker <url>", "an existing broker (default: a Mosquitto with set_tcp_nodelay started here)")
  .option("--seconds <s>", "length of the run", (v) => Number(v), 3)
  .parse(process.argv);
const opts = cli.opts<{ client: string; broker?: string; seconds: number }>();
const rate = Number(cli.args[0] ?? 5000);
if (!Number.isFinite(rate) || rate <= 0 || (opts.client !== "p1" && opts.client !== "p2")) {
  console.error("bench:link-floor: RATE must be a positive number and --client p1 or p2");
  process.exit(2);
}
const mode = opts.client === "p1" ? { qos: 1 as const, nudge: false } : { qos: 0 as const, nudge: true };
const own = opts.broker ? undefined : await startMosquitto();
const url = opts.broker ?? own!.url;
const host = new Endpoint(await MqttTransport.open({ url, boardId: "e1", side: "host", ...mode }), {
  side: "host",
  retryMs: MQTT_RETRY_MS,
});
host.on("message", () => {}); // ACKs are the endpoint's own: nothing else to do
const board = new Endpoint(await MqttTransport.open({ url, boardId: "e1", side: "board", ...mode }), {
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
const sent = await paceAt(rate, opts.seconds * 1000, (i) => {
  sentAt.set(i, performance.now());
  board.send({ type: "arrival", taskId: i, modelId: 0, priority: 1, frame: i, arrivalNs: 1, deadlineNs: 2 });
});
await new Promise((r) => setTimeout(r, 500));
console.log(`machine: ${machineLine()}`);
console.log(
  `link floor at ${rate} arrivals/s (ACK-only host in-process, ${opts.broker ?? "Mosquitto no-delay"}, client ${opts.client === "p1" ? "protocol 1: QoS 1" : "protocol 2: QoS 0 + nudge"}): ` +
    `acked ${lat.length}/${sent}, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms, retries ${board.stats.retries}`,
);
own?.close();
process.exit(0);
