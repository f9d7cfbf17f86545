// Persistent MQTT sessions (firmware-bridge/link/mqtt.ts `persistentSession`) against a Mosquitto
// this suite starts with persistence on: QoS 1 arrivals published on the feed while the host is
// away (disconnected, or the broker restarted meanwhile) reach it when it is back, each once and in
// order; with a clean session they are gone, which is what the option is for.
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MqttTransport, arrivalsTopic } from "../../../firmware-bridge/link/mqtt.js";
import { type RunningMosquitto, startMosquitto } from "../../../host/net/mosquitto.js";
import { lacksCommand } from "../../support/requires.js";

const NO_MOSQUITTO = lacksCommand("mosquitto", "mosquitto", "persistent sessions on a Mosquitto of the test's own");

let broker: RunningMosquitto;
let store: string;
beforeAll(async () => {
  if (NO_MOSQUITTO) return;
  store = mkdtempSync(join(tmpdir(), "immsched-mqtt-store-"));
  chmodSync(store, 0o777); // Mosquitto started as root drops to its own user before it saves
  broker = await startMosquitto(["persistence true", `persistence_location ${store}/`]);
});
afterAll(() => {
  broker?.close();
  if (store) rmSync(store, { recursive: true, force: true });
});

/** Publishes feed arrivals as another service would (QoS 1), and disconnects. */
async function publishArrivals(boardId: string, ids: number[]): Promise<void> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  for (const id of ids) await c.publishAsync(arrivalsTopic(boardId), JSON.stringify({ id, model: "HT_hand_graph_cnn_half" }), { qos: 1 });
  await c.endAsync();
}

/** Opens the host side, collects the feed for `ms`, closes. */
async function hostFeed(boardId: string, persistentSession: boolean, ms: number): Promise<number[]> {
  const t = await MqttTransport.open({ url: broker.url, boardId, side: "host", externalArrivals: true, persistentSession });
  const got: number[] = [];
  t.onExternal((payload) => got.push((JSON.parse(payload.toString()) as { id: number }).id));
  await new Promise((r) => setTimeout(r, ms));
  await t.close();
  return got;
}

describe.skipIf(NO_MOSQUITTO)("persistent MQTT sessions", () => {
  it("delivers the feed arrivals published while the host was away, once each, in order", async () => {
    const id = `ps${process.pid}a`;
    expect(await hostFeed(id, true, 100)).toEqual([]); // the session and its subscription now exist
    await publishArrivals(id, [1, 2, 3]);
    expect(await hostFeed(id, true, 300)).toEqual([1, 2, 3]);
    // and nothing twice the next time
    expect(await hostFeed(id, true, 200)).toEqual([]);
  });

  it("keeps them across a broker restart (an orderly one: Mosquitto saves its sessions when stopped)", async () => {
    const id = `ps${process.pid}b`;
    await hostFeed(id, true, 100);
    await publishArrivals(id, [7, 8]);
    await broker.restart(200, "SIGTERM");
    expect(await hostFeed(id, true, 300)).toEqual([7, 8]);
  });

  it("with a clean session (the default) they are gone", async () => {
    const id = `ps${process.pid}c`;
    await hostFeed(id, false, 100);
    await publishArrivals(id, [4, 5]);
    expect(await hostFeed(id, false, 300)).toEqual([]);
  });
});
