// `immsched monitor --mqtt` watching a board from another process: a board's HELLO published on
// Mosquitto shows up in the dashboard state and in /metrics.
import { lacksBrokerOn1883 } from "../../support/requires.js";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../host/net/ports.js";
import { immschedProc, stop, waitFor, type Proc } from "../../hil/processes.js";
import { MqttTransport } from "../../../firmware-bridge/link/mqtt.js";
import { encodeMessage } from "../../../firmware-bridge/protocol/index.js";

let mon: Proc | undefined;
afterAll(async () => stop(mon));

const NO_BROKER_1883 = await lacksBrokerOn1883("immsched monitor --mqtt (the machine's broker)");

describe.skipIf(NO_BROKER_1883)("immsched monitor --mqtt", () => {
  it("serves the state of a board it hears on the broker", async () => {
    const port = await freePort();
    const id = `mon${process.pid}`;
    mon = immschedProc(["monitor", "--mqtt", "mqtt://127.0.0.1:1883", "--board", id, "--port", String(port), "--duration", "30"]);
    await waitFor(() => mon!.stdout().includes(`monitor: http://127.0.0.1:${port}/`), 20_000, "the monitor to start");
    const board = await MqttTransport.open({ url: "mqtt://127.0.0.1:1883", boardId: id, side: "board" });
    const hello = encodeMessage(
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
        boardTimeNs: 1000,
        boardId: id,
      },
      0,
    );
    // the board's HELLO names its 4x4 mesh; the monitor starts with none
    let state: { width?: number; height?: number; log?: Array<{ text: string }> } = {};
    let metrics = "";
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      board.send(hello, "hello");
      await new Promise((r) => setTimeout(r, 300));
      state = await (await fetch(`http://127.0.0.1:${port}/api/state`)).json();
      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      // link counters reach /metrics once a second
      if (state.width === 4 && /direction="received"\} [1-9]/.test(metrics)) break;
    }
    await board.close();
    expect(state).toMatchObject({ width: 4, height: 4 });
    expect(state.log?.some((l) => l.text.includes(`hello: board ${id}`))).toBe(true);
    expect(metrics).toMatch(/immsched_link_frames_total\{[^}]*direction="received"[^}]*\} [1-9]/);
  }, 60_000);
});
