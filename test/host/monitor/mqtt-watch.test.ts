// The MQTT watcher against an embedded broker (aedes): real protocol frames in, monitor state out.
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { encodeMessage, topicFor, NO_FRAME, type Message } from "../../../firmware-bridge/protocol/index.js";
import { startMonitor, type Monitor } from "../../../host/monitor/server.js";
import { watchMqtt, type MqttWatch } from "../../../host/monitor/mqtt-watch.js";
import type { RuntimeEvent } from "../../../host/runtime/events.js";

let broker: Aedes;
let server: Server;
let url: string;

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond(), what).toBe(true);
};

describe("watchMqtt", () => {
  let monitor: Monitor;
  let watch: MqttWatch;
  let pub: MqttClient;
  afterAll(async () => {
    await watch?.close();
    await pub?.endAsync();
    await monitor?.close();
  });

  it("decodes a board's frames and the host's commands into the monitor, and counts bad frames", async () => {
    monitor = await startMonitor({ port: 0, processMetrics: false });
    watch = await watchMqtt(url, monitor, { board: "b1", models: ["small", "large"], policy: "isosched" });
    pub = await mqtt.connectAsync(url);
    let seq = 0;
    const send = (board: string, msg: Message, from: "board" | "host") =>
      pub.publishAsync(topicFor(board, msg.type, from), Buffer.from(encodeMessage(msg, seq++)), { qos: 1 });

    await send(
      "b1",
      {
        type: "hello",
        protocolVersion: 1,
        fwMajor: 1,
        fwMinor: 0,
        fwPatch: 0,
        meshWidth: 4,
        meshHeight: 4,
        pesPerTile: 64,
        clockMhz: 1000,
        maxTasks: 64,
        flags: 2,
        boardTimeNs: 100,
        boardId: "b1",
      },
      "board",
    );
    await send("b1", { type: "arrival", taskId: 5, modelId: 1, priority: 9, frame: NO_FRAME, arrivalNs: 200, deadlineNs: 5000 }, "board");
    // commands carry no time: they take the latest board time seen (the arrival's, 200)
    await send("b1", { type: "schedule", epoch: 1, taskId: 5, tiles: [1, 2] }, "host");
    await until(() => monitor.snapshot().tiles[1] === 5, "task 5 placed on tile 1");
    expect(monitor.snapshot()).toMatchObject({ board: "b1", policy: "isosched", width: 4, height: 4 });
    expect(monitor.snapshot().tiles.slice(0, 4)).toEqual([-1, 5, 5, -1]);

    await send("b1", { type: "stage_done", taskId: 5, stage: 0, busyNs: 100, boardTimeNs: 300 }, "board");
    await send(
      "b1",
      {
        type: "telemetry",
        boardTimeNs: 400,
        energyPJ: 2e12,
        powerMw: 1500,
        busyTiles: 2,
        runningTasks: 1,
        queuedTasks: 3,
        tempCentiC: 4250,
      },
      "board",
    );
    // another board on the same broker: not ours
    await send("b2", { type: "arrival", taskId: 77, modelId: 0, priority: 1, frame: 3, arrivalNs: 1, deadlineNs: 2 }, "board");
    // a frame with a broken CRC
    const bad = encodeMessage({ type: "task_done", taskId: 5, boardTimeNs: 6000, energyPJ: 1 }, seq++);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    await pub.publishAsync(topicFor("b1", "task_done", "board"), Buffer.from(bad), { qos: 1 });
    await send("b1", { type: "task_done", taskId: 5, boardTimeNs: 6000, energyPJ: 1 }, "board");
    await pub.publishAsync("immsched/b1/status", "offline", { qos: 1 });

    await until(() => monitor.snapshot().log.some((l) => l.text.includes("offline")), "status offline logged");
    const s = monitor.snapshot();
    expect(s.tasks).toEqual([
      expect.objectContaining({
        id: 5,
        model: "large",
        priority: 9,
        arrival: 200,
        deadline: 5000,
        start: 200,
        finish: 6000,
        late: true,
        stage: 0,
        phase: "done",
      }),
    ]);
    expect(s.tiles.every((o) => o === -1)).toBe(true);
    expect(s.telemetry).toMatchObject({ powerMw: 1500, tempC: 42.5, queuedTasks: 3, time: 400 });
    expect(s.totals).toMatchObject({ arrivals: 1, completions: 1, late: 1, violations: 1 });
    expect(s.log.map((l) => l.text)).toEqual(
      expect.arrayContaining([expect.stringContaining("frame rejected (crc)"), "board b1 is offline"]),
    );
    expect(watch.counters).toMatchObject({ framesReceived: 8, framesRejected: 1 });

    // the counters reach the monitor (and /metrics) at the latest when the watch closes
    await watch.close();
    const metrics = await monitor.metricsText();
    expect(metrics).toMatch(/immsched_link_frames_total\{[^}]*direction="received"\} 8\n/);
    expect(metrics).toMatch(/immsched_link_errors_total\{[^}]*kind="rejected"\} 1\n/);
    expect(metrics).toMatch(/immsched_board_temperature_celsius\{[^}]*\} 42\.5\n/);
  });

  it("shows every command of a BATCH (protocol 2: one decision, one frame) and ignores nudges", async () => {
    const got: RuntimeEvent[] = [];
    const w = await watchMqtt(url, { push: (e) => got.push(e) }, { board: "bt1" });
    const c = await mqtt.connectAsync(url);
    try {
      const batch: Message = {
        type: "batch",
        commands: [
          { type: "preempt", epoch: 4, taskId: 1 },
          { type: "schedule", epoch: 4, taskId: 2, tiles: [0, 1] },
        ],
      };
      await c.publishAsync("immsched/bt1/nudge_board", Buffer.alloc(0), { qos: 1 });
      await c.publishAsync(topicFor("bt1", "batch", "host"), Buffer.from(encodeMessage(batch, 3)), { qos: 1 });
      await until(() => got.filter((e) => "command" in e).length === 2, "both commands");
      expect(got.flatMap((e) => ("command" in e ? [e.command] : []))).toEqual([
        { kind: "preempt", epoch: 4, taskId: 1 },
        { kind: "place", epoch: 4, taskId: 2, stages: 2, tiles: [0, 1] },
      ]);
      expect(w.counters).toMatchObject({ framesReceived: 1, framesRejected: 0 });
    } finally {
      await c.endAsync();
      await w.close();
    }
  });

  it("takes a custom decoder (payload -> event), e.g. another codec", async () => {
    const got: RuntimeEvent[] = [];
    const w = await watchMqtt(
      url,
      { push: (e) => got.push(e) },
      {
        board: "json1",
        decode: (payload) => JSON.parse(new TextDecoder().decode(payload)) as RuntimeEvent,
      },
    );
    const c = await mqtt.connectAsync(url);
    try {
      await c.publishAsync("immsched/json1/telemetry", JSON.stringify({ time: 9, note: { level: "info", text: "hi" } }), { qos: 1 });
      await c.publishAsync("immsched/json1/telemetry", "{not json", { qos: 1 });
      await until(() => got.some((e) => "note" in e && e.note.level === "warn"), "bad payload reported");
      expect(got[0]).toEqual({ time: 9, note: { level: "info", text: "hi" } });
      expect(w.counters).toMatchObject({ framesReceived: 2, framesRejected: 1 });
    } finally {
      await c.endAsync();
      await w.close();
    }
  });
});
