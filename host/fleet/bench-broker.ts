// `npm run bench:fleet`: what the fleet's engine costs where it matters (README "Fleet"), on
// brokers of our own: a three-node NATS cluster (MQTT between two nodes) and a Mosquitto.
//  - making 10 MQTT subscriptions at QoS 0 and at QoS 1 (a board or host session subscribes to
//    7-10 topics at start-up and again after a reconnection, so this is on the failover path);
//  - publish -> echo -> back round trips at QoS 0 and QoS 1, 300 messages at 200/s, no-delay sockets.
// Figures are printed, not asserted.

import mqtt, { type MqttClient } from "mqtt";
import type { Socket } from "node:net";
import { startMosquitto } from "../net/mosquitto.js";
import { percentile } from "../sim/metrics.js";
import { startNatsCluster } from "./nats-cluster.js";

async function client(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  (c as unknown as { stream: Socket }).stream.setNoDelay(true);
  return c;
}

async function subscribeMs(url: string, qos: 0 | 1): Promise<number> {
  const c = await client(url);
  const t = performance.now();
  await c.subscribeAsync(
    Array.from({ length: 10 }, (_, i) => `bench/sub${qos}/${i}`),
    { qos },
  );
  const ms = performance.now() - t;
  await c.endAsync();
  return ms;
}

async function roundTrips(urlA: string, urlB: string, qos: 0 | 1): Promise<{ p50: number; p99: number }> {
  const a = await client(urlA);
  const b = await client(urlB);
  await b.subscribeAsync("bench/ping", { qos: 0 });
  await a.subscribeAsync("bench/pong", { qos: 0 });
  b.on("message", (_t, p) => b.publish("bench/pong", p, { qos }));
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    a.on("message", (_t, p) => {
      rtts.push(performance.now() - Number(p.toString()));
      if (rtts.length >= 300) resolve();
    });
    let sent = 0;
    const every = setInterval(() => {
      if (sent++ >= 300) return clearInterval(every);
      a.publish("bench/ping", String(performance.now()), { qos });
    }, 5);
  });
  await a.endAsync();
  await b.endAsync();
  return { p50: percentile(rtts, 50), p99: percentile(rtts, 99) };
}

async function main(): Promise<void> {
  const cluster = await startNatsCluster(3);
  const mosquitto = await startMosquitto();
  try {
    const rows: string[] = [];
    for (const [name, a, b] of [
      ["nats cluster (node 1 -> node 2)", cluster.mqttUrls[0]!, cluster.mqttUrls[1]!],
      ["mosquitto (one node)", mosquitto.url, mosquitto.url],
    ] as const) {
      for (const qos of [0, 1] as const) {
        const sub = await subscribeMs(a, qos);
        const rt = await roundTrips(a, b, qos);
        rows.push(`| ${name} | ${qos} | ${sub.toFixed(0)} | ${rt.p50.toFixed(2)} | ${rt.p99.toFixed(2)} |`);
      }
    }
    process.stdout.write(
      ["| broker | QoS | 10 subscriptions, ms | round trip p50 ms | p99 ms |", "| --- | --- | --- | --- | --- |", ...rows, ""].join("\n"),
    );
  } finally {
    mosquitto.close();
    await cluster.close();
  }
}

await main();
