// `npm run bench:fleet`: what the fleet's engine costs where it matters (README "Fleet"), on
// brokers of our own: a three-node NATS cluster (MQTT between two nodes) and a Mosquitto.
//  - making 10 MQTT subscriptions at QoS 0 and at QoS 1 (a board or host session subscribes to
//    7-10 topics at start-up and again after a reconnection, so this is on the failover path);
//  - publish -> echo -> back round trips at QoS 0 and QoS 1, 300 messages at 200/s, no-delay sockets;
//  - a broker node killed under 4 clients connected to it (clean sessions, the next node's URL as
//    fallback, as the boards do): ms from the kill until each client's CONNACK from another node,
//    once killing the node that leads the MQTT gateway's session stream ($MQTT_sess: a CONNECT
//    writes to it, so it waits for the survivors' Raft election) and once another node, on a
//    fresh cluster each (`--kills N` pairs, default 2).
// Figures are printed, not asserted.

import mqtt, { type MqttClient } from "mqtt";
import type { Socket } from "node:net";
import { startMosquitto } from "../net/mosquitto.js";
import { percentile } from "../sim/metrics.js";
import { type BrokerNodeChoice, pickNode, rotated, startNatsCluster } from "./nats-cluster.js";

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

/**
 * Kills the node `which` names on a fresh cluster under 4 clients connected to it; ms from the kill
 * to each client's CONNACK from another node (the fleet boards' reconnection: a fresh client id,
 * 250 ms between attempts, the next nodes in turn). Null when no node is `which`.
 */
async function reconnectMs(which: BrokerNodeChoice): Promise<number[] | null> {
  const cluster = await startNatsCluster(3);
  const clients: MqttClient[] = [];
  try {
    // a first MQTT client makes the gateway's streams
    const warm = await client(cluster.mqttUrls[1]!);
    await warm.subscribeAsync("bench/warm", { qos: 0 });
    await warm.endAsync();
    const leaders = await cluster.streamLeaders();
    const victim = pickNode(
      which,
      cluster.nodes.map((n) => n.name),
      leaders,
    );
    if (victim < 0) return null;
    const order = rotated(cluster.mqttUrls, victim).map((url) => {
      const u = new URL(url);
      return { host: u.hostname, port: Number(u.port) };
    });
    const back: Array<Promise<number>> = [];
    let killedAt = 0;
    for (let i = 0; i < 4; i++) {
      let n = 0;
      const c = await mqtt.connectAsync(cluster.mqttUrls[victim]!, {
        protocolVersion: 4,
        clientId: `bench-kill-${i}-${n}`,
        reconnectPeriod: 250,
        servers: order,
      });
      await c.subscribeAsync(`bench/kill/${i}`, { qos: 0 });
      clients.push(c);
      back.push(
        new Promise((resolve) =>
          c.on("connect", () => {
            resolve(performance.now() - killedAt);
          }),
        ),
      );
      // a clean session asks with a new id: NATS refuses a dead node's id for seconds (mqtt.ts)
      c.on("close", () => (c.options.clientId = `bench-kill-${i}-${++n}`));
    }
    killedAt = performance.now();
    cluster.kill(victim);
    return await Promise.all(back);
  } finally {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await cluster.close();
  }
}

function killArg(): number {
  const i = process.argv.indexOf("--kills");
  const n = i < 0 ? 2 : Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--kills: expected a whole number of kills, got ${process.argv[i + 1]}`);
  return n;
}

async function main(): Promise<void> {
  const kills = killArg();
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
  if (kills === 0) return;
  const kinds = [
    ["the $MQTT_sess leader", "sessions-leader"],
    ["another node", "not-sessions-leader"],
  ] as const;
  const rows: string[] = [];
  for (const [name, which] of kinds) {
    const all: number[] = [];
    let skipped = 0;
    for (let k = 0; k < kills; k++) {
      const ms = await reconnectMs(which);
      if (ms) all.push(...ms);
      else skipped++;
    }
    const fig = all.length ? `${percentile(all, 50).toFixed(0)} | ${Math.max(...all).toFixed(0)}` : "- | -";
    rows.push(`| ${name} | ${kills - skipped} | ${fig} |`);
  }
  process.stdout.write(
    ["", "| node killed (4 clients on it) | kills | reconnected p50 ms | max ms |", "| --- | --- | --- | --- |", ...rows, ""].join("\n"),
  );
}

await main();
