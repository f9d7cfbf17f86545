// The fleet monitor against a real nats-server with MQTT (one node of our own): a board heard on
// the broker and its owner from the leases bucket, in the table, the JSON and /metrics (labelled by
// board and host).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { startNatsCluster, type NatsCluster } from "../../../host/fleet/nats-cluster.js";
import { LeaseTable } from "../../../host/fleet/lease.js";
import { OWNERS_BUCKET } from "../../../host/fleet/owner.js";
import { startFleetMonitor, type FleetMonitor } from "../../../host/fleet/fleet-monitor.js";
import { MqttTransport } from "../../../firmware-bridge/link/mqtt.js";
import { lacksCommand } from "../../support/requires.js";

const missing = lacksCommand("nats-server", "nats-server", "fleet monitor");

describe.skipIf(missing)("fleet monitor", () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let monitor: FleetMonitor;
  let board: MqttTransport;
  beforeAll(async () => {
    cluster = await startNatsCluster(1);
    nc = await connect({ servers: cluster.natsUrls });
    monitor = await startFleetMonitor({ mqttUrl: cluster.mqttUrls[0]!, natsUrls: cluster.natsUrls, port: 0 });
  });
  afterAll(async () => {
    await board?.close();
    await monitor?.close();
    await nc?.close();
    await cluster?.close();
  });

  it("shows a board heard on the broker with the host that holds its lease", async () => {
    board = await MqttTransport.open({ url: cluster.mqttUrls[0]!, boardId: "mon1", side: "board", subscribeQos: 0 });
    await expect.poll(() => monitor.boards().find((b) => b.board === "mon1")?.status).toBe("online");
    expect(monitor.boards().find((b) => b.board === "mon1")?.owner).toBeNull();

    const kv = await nc.jetstream().views.kv(OWNERS_BUCKET, { history: 1 });
    const h7 = new LeaseTable(kv, "h7", 60_000);
    expect(await h7.claim("mon1")).toBe(true);
    await expect.poll(() => monitor.boards().find((b) => b.board === "mon1")?.owner).toBe("h7");

    const metrics = await (await fetch(`${monitor.url}metrics`)).text();
    expect(metrics).toMatch(/immsched_fleet_board_owned\{board="mon1",host="h7"\} 1/);
    expect(metrics).toMatch(/immsched_fleet_board_online\{board="mon1",host="h7"\} 1/);
    const table = await (await fetch(monitor.url)).text();
    expect(table).toMatch(/mon1\s+online\s+h7/);
    const json = (await (await fetch(`${monitor.url}fleet.json`)).json()) as { boards: Array<{ board: string; owner: string }> };
    expect(json.boards.find((b) => b.board === "mon1")?.owner).toBe("h7");
  });
});
