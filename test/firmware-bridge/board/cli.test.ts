// `immsched board`: option checks and exit codes, and a whole run over MQTT (embedded broker)
// against a small test host, with an external arrival and a clean shutdown.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Command, CommanderError } from "commander";
import mqtt from "mqtt";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../../firmware-bridge/link/broker.js";
import { MqttTransport, arrivalsTopic } from "../../../firmware-bridge/link/mqtt.js";
import { boardCommand, registerBoardCommand, type BoardCommandOptions } from "../../../host/commands/board.js";
import { TestHost } from "./harness.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe("immsched board: options", () => {
  it.each<[string, BoardCommandOptions, RegExp]>([
    ["no link", {}, /--serial PATH or --mqtt URL/],
    ["two links", { serial: "/dev/null", mqtt: "mqtt://127.0.0.1:1883" }, /not both/],
    ["a bad URL", { mqtt: "http://127.0.0.1" }, /unsupported scheme/],
    ["--baud on MQTT", { mqtt: "mqtt://127.0.0.1:1883", baud: 9600 }, /--baud applies to --serial/],
    ["a bad id", { mqtt: "mqtt://127.0.0.1:1883", id: "a/b" }, /--id must be/],
    ["an unknown scenario", { mqtt: "mqtt://127.0.0.1:1", scenario: "no_such_scenario" }, /unknown scenario/],
    ["a bad time scale", { serial: "/dev/null", timeScale: 0 }, /--time-scale must be a positive number/],
  ])("exits 2 on %s", async (_what, opts, message) => {
    const c = capture();
    expect(await boardCommand({ ...opts, io: c.io })).toBe(2);
    expect(c.err.join("")).toMatch(message);
  });

  it("exits 1 when the broker or the serial port cannot be reached", async () => {
    const c = capture();
    expect(await boardCommand({ mqtt: "mqtt://127.0.0.1:1", durationMs: 20, io: c.io })).toBe(1);
    expect(c.err.join("")).toMatch(/cannot connect to the MQTT broker/);
    const d = capture();
    expect(await boardCommand({ serial: "/dev/immsched-no-such-port", durationMs: 20, io: d.io })).toBe(1);
    expect(d.err.join("")).toMatch(/cannot open serial port/);
  });

  it("registers the subcommand with its options and defaults", async () => {
    const parse = async (args: string[]) => {
      const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      let got: Record<string, unknown> | undefined;
      registerBoardCommand(program).action((o) => void (got = o));
      await program.parseAsync(args, { from: "user" });
      return got!;
    };
    expect(await parse(["board", "--serial", "/dev/ttyUSB0"])).toEqual({
      serial: "/dev/ttyUSB0",
      id: "vboard",
      mesh: { width: 8, height: 8 },
      scenario: "VR_gaming",
      seed: 1,
      timeScale: 1,
    });
    expect(
      await parse([
        "board",
        "--mqtt",
        "mqtt://h:1883",
        "--id",
        "b7",
        "--mesh",
        "4x2",
        "--time-scale",
        "2.5",
        "--duration-ms",
        "50",
        "--retry-ms",
        "200",
        "--external-arrivals",
        "--quiet",
      ]),
    ).toMatchObject({
      mqtt: "mqtt://h:1883",
      id: "b7",
      mesh: { width: 4, height: 2 },
      timeScale: 2.5,
      durationMs: 50,
      retryMs: 200,
      externalArrivals: true,
      quiet: true,
    });
    await expect(parse(["board", "--serial", "x", "--mesh", "20x20"])).rejects.toBeInstanceOf(CommanderError);
    await expect(parse(["board", "--serial", "x", "--baud", "fast"])).rejects.toBeInstanceOf(CommanderError);
  });
});

describe("immsched board: a run over MQTT", () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("plays the scenario and an external arrival against a host until every task ended, then goes offline", async () => {
    const transport = await MqttTransport.open({ url: broker.url, boardId: "cli1", side: "host", externalArrivals: true });
    const host = new TestHost(transport, 200);
    let published = false;
    host.ep.on("message", (m) => {
      if (m.type !== "arrival") return;
      host.command({ type: "schedule", epoch: host.nextEpoch(), taskId: m.taskId, tiles: [] });
      if (!published) {
        published = true;
        void transport.publishRaw(arrivalsTopic("cli1"), JSON.stringify({ id: 1000, model: "ES_RITNet", priority: 9 }));
      }
    });
    // the host hears the external arrival on the same topic and schedules it too
    transport.onExternal((p) => {
      const { id } = JSON.parse(p.toString()) as { id: number };
      host.command({ type: "schedule", epoch: host.nextEpoch(), taskId: id, tiles: [] });
    });
    const c = capture();
    const code = await boardCommand({
      mqtt: broker.url,
      id: "cli1",
      scenario: "VR_gaming",
      durationMs: 40,
      timeScale: 10,
      retryMs: 100,
      externalArrivals: true,
      quiet: true,
      io: c.io,
    });
    expect(code).toBe(0);
    const text = c.out.join("");
    expect(text).toMatch(/^finished after/m);
    expect(text).toMatch(/tasks: (\d+) raised, 1 external, (\d+) done, 0 dropped/);
    const [, raised, done] = /tasks: (\d+) raised, 1 external, (\d+) done/.exec(text)!;
    expect(Number(done)).toBe(Number(raised) + 1);
    expect(host.messages("task_done").some((d) => d.taskId === 1000)).toBe(true);
    await transport.close();
    // a clean shutdown leaves the retained status "offline"
    const probe = await mqtt.connectAsync(broker.url);
    const status = new Promise<string>((resolve) => probe.on("message", (_t, p) => resolve(p.toString())));
    await probe.subscribeAsync("immsched/cli1/status");
    expect(await status).toBe("offline");
    await probe.endAsync();
  });

  it("stops cleanly when interrupted (the abort signal takes the SIGINT path) and still prints its summary", async () => {
    const transport = await MqttTransport.open({ url: broker.url, boardId: "cli2", side: "host" });
    const host = new TestHost(transport, 200);
    const stop = new AbortController();
    // a host that never schedules anything: the run would never end on its own
    host.ep.on("message", (m) => {
      if (m.type === "arrival") stop.abort();
    });
    const c = capture();
    const code = await boardCommand({
      mqtt: broker.url,
      id: "cli2",
      durationMs: 40,
      timeScale: 10,
      retryMs: 100,
      abort: stop.signal,
      io: c.io,
    });
    expect(code).toBe(0);
    expect(c.out.join("")).toMatch(/^stopped after/m);
    expect(c.err.join("")).toMatch(/board: mqtt:\/\/127\.0\.0\.1:\d+ .*board cli2/);
    await transport.close();
  });
});
