// MQTT security against a real Mosquitto that the test starts with a password file, an ACL (one
// namespace per board) and a TLS listener with certificates made by openssl: who gets in, who may
// publish where, and a whole run over mqtts:// with credentials from the environment.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError } from "../../../firmware-bridge/link/errors.js";
import { arrivalsTopic, MqttTransport } from "../../../firmware-bridge/link/mqtt.js";
import { MQTT_ENV, checkBrokerUrl, securityFromEnv } from "../../../firmware-bridge/link/mqtt-security.js";
import { topicFor } from "../../../firmware-bridge/protocol/index.js";
import { BIN } from "../../support/cli.js";
import { lacksCommand } from "../../support/requires.js";
import { type SecureMosquitto, startSecureMosquitto } from "../../support/secure-mosquitto.js";

const NO_MOSQUITTO = lacksCommand("mosquitto", "mosquitto", "MQTT security against a Mosquitto of the test's own");
const NO_OPENSSL = lacksCommand("openssl", "openssl", "MQTT over TLS with certificates made by the test");

describe("broker URLs and the environment", () => {
  it("refuse a password in the URL (it would be on the command line) and name the variable to use", () => {
    expect(() => checkBrokerUrl("mqtt://nb1:secret@127.0.0.1:1883")).toThrow(LinkError);
    expect(() => checkBrokerUrl("mqtt://nb1:secret@127.0.0.1:1883")).toThrow(MQTT_ENV.password);
    expect(() => checkBrokerUrl("mqtt://nb1:secret@127.0.0.1:1883")).not.toThrow(/secret/);
    expect(() => checkBrokerUrl("mqtts://127.0.0.1:8883")).not.toThrow();
    expect(() => checkBrokerUrl("not a url")).toThrow(/not a URL/);
  });

  it("read credentials and TLS files from IMMSCHED_MQTT_*, and refuse half-given pairs", () => {
    expect(securityFromEnv({})).toEqual({});
    const s = securityFromEnv({ [MQTT_ENV.username]: "nb1", [MQTT_ENV.password]: "pw", [MQTT_ENV.ca]: "/etc/ca.pem" });
    expect(s).toMatchObject({ username: "nb1", password: "pw", caFile: "/etc/ca.pem" });
    expect(() => securityFromEnv({ [MQTT_ENV.password]: "pw" })).toThrow(MQTT_ENV.username);
    expect(() => securityFromEnv({ [MQTT_ENV.cert]: "/c.pem" })).toThrow(MQTT_ENV.key);
  });

  it("a TLS file that cannot be read is an error naming the variable and the path", async () => {
    await expect(
      MqttTransport.open({ url: "mqtts://127.0.0.1:1", boardId: "x", side: "host", security: { caFile: "/nonexistent/ca.pem" } }),
    ).rejects.toThrow(/CA certificate \(IMMSCHED_MQTT_CA\) \/nonexistent\/ca\.pem: ENOENT/);
  });
});

describe.skipIf(NO_MOSQUITTO || NO_OPENSSL)("a Mosquitto with passwords, an ACL and TLS", () => {
  let broker: SecureMosquitto;
  const clients: MqttClient[] = [];
  const users = { host: "host-pw", nb1: "nb1-pw", nb2: "nb2-pw" };

  beforeAll(async () => {
    broker = await startSecureMosquitto(users, "host");
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    broker?.close();
  });

  async function client(user: keyof typeof users): Promise<MqttClient> {
    const c = await mqtt.connectAsync(
      broker.plainUrl,
      { username: user, password: users[user], protocolVersion: 5, reconnectPeriod: 0 },
      false,
    );
    clients.push(c);
    return c;
  }

  it("refuses an anonymous client and a wrong password with a clear error", async () => {
    await expect(MqttTransport.open({ url: broker.plainUrl, boardId: "nb1", side: "board", security: {} })).rejects.toThrow(
      /cannot connect to the MQTT broker .*[Nn]ot authorized/,
    );
    await expect(
      MqttTransport.open({ url: broker.plainUrl, boardId: "nb1", side: "board", security: { username: "nb1", password: "wrong" } }),
    ).rejects.toThrow(/cannot connect to the MQTT broker/);
  });

  it("lets a board's credentials publish in its own namespace and nowhere else", async () => {
    const watcher = await client("host");
    const got: string[] = [];
    watcher.on("message", (topic) => got.push(topic));
    await watcher.subscribeAsync(["immsched/nb1/#", "immsched/nb2/#"], { qos: 1 });
    const nb1 = await client("nb1");
    // commands and arrivals into another board's topics, then a frame in its own namespace: the
    // broker handles one client's publishes in order, so once the last is seen the others were dropped
    const foreignCommand = topicFor("nb2", "schedule", "host");
    const foreignArrivals = arrivalsTopic("nb2");
    const own = topicFor("nb1", "arrival", "board");
    await nb1.publishAsync(foreignCommand, Buffer.from([1, 2, 3]), { qos: 1 }).catch(() => {});
    await nb1.publishAsync(foreignArrivals, '{"id":1,"model":"ES_RITNet"}', { qos: 1 }).catch(() => {});
    await nb1.publishAsync(own, Buffer.from([4, 5, 6]), { qos: 1 });
    const end = Date.now() + 5000;
    while (!got.includes(own) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(got).toContain(own);
    expect(got).not.toContain(foreignCommand);
    expect(got).not.toContain(foreignArrivals);
  });

  it("does not deliver another board's commands to a board's credentials", async () => {
    const nb1 = await client("nb1");
    const got: string[] = [];
    nb1.on("message", (topic) => got.push(topic));
    await nb1.subscribeAsync(["immsched/nb2/#", "immsched/nb1/#"], { qos: 1 });
    const host = await client("host");
    const theirs = topicFor("nb2", "schedule", "host");
    const mine = topicFor("nb1", "schedule", "host");
    await host.publishAsync(theirs, Buffer.from([7]), { qos: 1 });
    await host.publishAsync(mine, Buffer.from([8]), { qos: 1 });
    const end = Date.now() + 5000;
    while (!got.includes(mine) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(got).toContain(mine);
    expect(got).not.toContain(theirs);
  });

  it("lets in over TLS a client that trusts the broker's CA, and no client without it", async () => {
    const ok = await MqttTransport.open({
      url: broker.tlsUrl,
      boardId: "nb1",
      side: "host",
      security: { username: "host", password: users.host, caFile: broker.caFile },
    });
    expect(ok.describe).toMatch(/^mqtts:/);
    await ok.close();
    // the system's CAs do not know the test's CA; nor does another CA
    for (const caFile of [undefined, broker.otherCaFile]) {
      await expect(
        MqttTransport.open({
          url: broker.tlsUrl,
          boardId: "nb1",
          side: "host",
          security: { username: "host", password: users.host, caFile },
        }),
      ).rejects.toThrow(/cannot connect to the MQTT broker .*(self[- ]signed|certificate)/i);
    }
  });

  it("runs a whole scenario over mqtts:// with each side's credentials from the environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "immsched-secure-run-"));
    try {
      const env = (user: keyof typeof users) => ({
        ...process.env,
        [MQTT_ENV.username]: user,
        [MQTT_ENV.password]: users[user],
        [MQTT_ENV.ca]: broker.caFile,
      });
      const proc = (args: string[], user: keyof typeof users) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: env(user), stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr!.on("data", (d) => (err += d));
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        return { child, exited, stderr: () => err };
      };
      const board = proc(
        ["board", "--mqtt", broker.tlsUrl, "--id", "nb1", "--scenario", "VR_gaming", "--seed", "3", "--time-scale", "0.25", "--quiet"],
        "nb1",
      );
      const out = join(dir, "run.json");
      const run = proc(
        ["run", "--board", `${broker.tlsUrl}/nb1`, "--scenario", "VR_gaming", "--seed", "3", "--duration", "30", "--json", out, "--quiet"],
        "host",
      );
      const code = await run.exited;
      board.child.kill("SIGTERM");
      await board.exited;
      expect(code, run.stderr()).toBe(0);
      const json = JSON.parse(readFileSync(out, "utf8"));
      expect(json.tasks.arrived).toBeGreaterThan(100);
      expect(json.tasks.lost).toBe(0);
      expect(json.tasks.completed + json.tasks.dropped).toBe(json.tasks.arrived);
      expect(json.link.framesRejected).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
