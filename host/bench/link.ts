// `npm run bench:link`: how fast the runtime's links go, measured with the real processes.
//
//  1. MQTT: arrivals per second the host sustains, and arrival -> command latency. A load
//     generator plays a board (its own Endpoint, real frames, ACKs both ways) that raises ARRIVAL
//     at a fixed rate and reports every placed task done at once; `immsched run` runs in its own
//     process against a Mosquitto started here with `set_tcp_nodelay true`. Latency is measured
//     three ways: at the generator, ARRIVAL published -> its ACK received (the host ACKs after
//     the core decided and the commands went out, so this is the host's answer, through the
//     broker both ways) and ARRIVAL published -> the task's first SCHEDULE/DROP (which also waits
//     while the controller queues the task for free tiles); inside the host, frame decoded ->
//     commands sent (the host's --json summary).
//  2. Serial: frames per second through a socat pseudo-terminal pair with serialport at 921600
//     baud, as a share of that line rate (8N1: 10 bits a byte). A pty does not pace bytes at the
//     baud rate, so this measures the software path, which a real UART then caps at 100%.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listening } from "../net/ports.js";
import { startMosquitto } from "../net/mosquitto.js";
import { paceAt } from "./pace.js";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { MQTT_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import { SerialTransport } from "../../firmware-bridge/link/serial.js";
import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import { PROTOCOL_VERSION, encodeMessage, type Message } from "../../firmware-bridge/protocol/index.js";
import { machineLine } from "./machine.js";
import { percentile } from "../sim/metrics.js";

const opts = new Command()
  .option("--rates <list>", "arrival rates to try (per second)", "1000,2000,5000,8000")
  .option("--seconds <s>", "length of each rate step", (v) => Number(v), 3)
  .option("--serial-seconds <s>", "length of the serial step", (v) => Number(v), 3)
  .parse(process.argv)
  .opts<{ rates: string; seconds: number; serialSeconds: number }>();

const BIN = fileURLToPath(new URL("../../bin/immsched.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "immsched-bench-link-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log("# bench:link\n");
console.log(`command: npm run bench:link -- ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log(`machine: ${machineLine()}\n`);

// ---- 1. MQTT ------------------------------------------------------------------------------------
const broker = await startMosquitto(["max_inflight_messages 0", "max_queued_messages 0"]);
const url = broker.url;
const FAR = 10e9; // deadlines far away: every arrival is placed or queued, none dropped as hopeless

console.log(`## MQTT: arrivals the host sustains (Mosquitto 2 with set_tcp_nodelay, MQTT 5, QoS 1, loopback)\n`);
console.log(
  "| offered /s | arrivals sent | answered (ACK) | sustained /s | ACK p50 ms | ACK p99 ms | first command p50 ms | first command p99 ms | host p50 µs | host p99 µs | retries |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const rate of opts.rates.split(",").map(Number)) {
  const id = `bench${rate}`;
  const json = join(dir, `run-${rate}.json`);
  const host = spawn(
    process.execPath,
    [
      BIN,
      "run",
      "--board",
      `${url}/${id}`,
      "--scenario",
      "VR_gaming",
      "--policy",
      "immsched",
      "--duration",
      String(opts.seconds + 4),
      "--json",
      json,
      "--quiet",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let hostErr = "";
  host.stderr!.on("data", (d) => (hostErr += d));
  const hostExit = new Promise<number | null>((resolve) => host.on("exit", (code) => resolve(code)));
  const t = await MqttTransport.open({ url, boardId: id, side: "board" });
  const ep = new Endpoint(t, { side: "board", retryMs: MQTT_RETRY_MS, window: 1024 });
  // when each ARRIVAL went out; its ACK and its first command are timed from it
  const sentAt = new Map<number, number>();
  const commanded = new Set<number>();
  const e2e: number[] = [];
  const ackLatency: number[] = [];
  const t0 = performance.now();
  const boardNow = () => Math.round((performance.now() - t0) * 1e6);
  ep.on("message", (m: Message) => {
    if (m.type === "schedule" || m.type === "drop" || m.type === "resume") {
      const at = sentAt.get(m.taskId);
      if (at !== undefined && !commanded.has(m.taskId)) {
        e2e.push(performance.now() - at);
        commanded.add(m.taskId);
      }
      // the task is done at once: frees its tiles for the next arrivals
      if (m.type !== "drop") ep.send({ type: "task_done", taskId: m.taskId, boardTimeNs: boardNow(), energyPJ: 1 });
    } else if (m.type === "hello_request") {
      ep.resetSession();
      ep.send(hello(id, boardNow()));
    }
  });
  ep.on("acked", (m: Message) => {
    const at = m.type === "arrival" ? sentAt.get(m.taskId) : undefined;
    if (at !== undefined) ackLatency.push(performance.now() - at);
  });
  ep.send(hello(id, boardNow()));
  await sleep(1500); // the host process starts and answers the HELLO
  // ids far above the scenario's (the host knows VR_gaming's 1..120 and would count them settled)
  const FIRST = 1_000_000;
  const sent = await paceAt(rate, opts.seconds * 1000, (i) => {
    const id = FIRST + i;
    const now = boardNow();
    sentAt.set(id, performance.now());
    ep.send({
      type: "arrival",
      taskId: id,
      modelId: id % 3,
      priority: [1, 3, 9][id % 3]!,
      frame: id,
      arrivalNs: now,
      deadlineNs: now + FAR,
    });
  });
  await sleep(1000);
  const elapsed = opts.seconds;
  const code = await hostExit;
  if (code !== 0) console.error(`host exited ${code}: ${hostErr}`);
  const summary = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  console.log(
    `| ${rate} | ${sent} | ${ackLatency.length} | ${Math.round(ackLatency.length / elapsed)} | ${percentile(ackLatency, 50).toFixed(2)} | ${percentile(ackLatency, 99).toFixed(2)} | ` +
      `${percentile(e2e, 50).toFixed(2)} | ${percentile(e2e, 99).toFixed(2)} | ` +
      `${summary?.host.arrivalToCommandMicrosP50.toFixed(0) ?? "-"} | ${summary?.host.arrivalToCommandMicrosP99.toFixed(0) ?? "-"} | ${ep.stats.retries} |`,
  );
  ep.close();
  await t.close();
}
// ---- broker round trip: why set_tcp_nodelay matters -------------------------------------------
console.log(`\n## MQTT round trip through a broker (QoS 1, 30-byte payload, publish -> echo -> back, 200 times)\n`);
console.log("| broker | p50 ms | p99 ms |");
console.log("| --- | --- | --- |");
const brokers: Array<[string, string]> = [["Mosquitto started here, set_tcp_nodelay true", url]];
if (await listening(1883)) brokers.push(["the machine's Mosquitto on 127.0.0.1:1883 (as configured)", "mqtt://127.0.0.1:1883"]);
for (const [name, u] of brokers) {
  const rtt = await roundTrips(u, 200);
  console.log(`| ${name} | ${percentile(rtt, 50).toFixed(2)} | ${percentile(rtt, 99).toFixed(2)} |`);
}
broker.close();

async function roundTrips(u: string, n: number): Promise<number[]> {
  const a = await MqttTransport.open({ url: u, boardId: `rtt${process.pid}`, side: "host" });
  const b = await MqttTransport.open({ url: u, boardId: `rtt${process.pid}`, side: "board" });
  const ping = `rtt/${process.pid}/ping`;
  const pong = `rtt/${process.pid}/pong`;
  await a.subscribeRaw(pong);
  await b.subscribeRaw(ping);
  b.onRaw((topic, payload) => {
    if (topic === ping) void b.publishRaw(pong, payload);
  });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      a.onRaw((topic) => {
        if (topic === pong) resolve();
      });
      void a.publishRaw(ping, Buffer.alloc(30));
    });
    out.push(performance.now() - t0);
    await sleep(2);
  }
  await a.close();
  await b.close();
  return out;
}

function hello(boardId: string, boardTimeNs: number): Message {
  return {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    fwMajor: 0,
    fwMinor: 1,
    fwPatch: 0,
    meshWidth: 8,
    meshHeight: 8,
    pesPerTile: 64,
    clockMhz: 1000,
    maxTasks: 256,
    flags: 2,
    boardTimeNs,
    boardId,
  };
}

// ---- 2. Serial -----------------------------------------------------------------------------------
console.log(`\n## Serial: frames through a socat pty pair with serialport at 921600 baud\n`);
const a = join(dir, "pty-a");
const b = join(dir, "pty-b");
const socat = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await sleep(50);
const tx = await SerialTransport.open(a, 921600);
const rx = await SerialTransport.open(b, 921600);
let got = 0;
let bad = 0;
const frame = encodeMessage({ type: "stage_done", taskId: 7, stage: 3, busyNs: 123456, boardTimeNs: 987654321 }, 1);
rx.onFrame((f) => (f.length === frame.length ? got++ : bad++));
const wireBytes = frame.length + 2; // COBS adds one byte here (no run over 254) plus the delimiter
const sEnd = performance.now() + opts.serialSeconds * 1000;
let sent = 0;
while (performance.now() < sEnd) {
  for (let k = 0; k < 64; k++) tx.send(frame);
  sent += 64;
  await tx.drain();
}
await sleep(300);
const fps = got / opts.serialSeconds;
const lineBytes = 921600 / 10;
console.log("| frame | wire bytes | frames sent | frames received | rejected | frames/s | bytes/s | share of 921600 baud |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
console.log(
  `| STAGE_DONE | ${wireBytes} | ${sent} | ${got} | ${bad + rx.stats.malformed} | ${Math.round(fps)} | ${Math.round(fps * wireBytes)} | ${((100 * fps * wireBytes) / lineBytes).toFixed(0)} % |`,
);
console.log(`\nA real UART at 921600 baud carries at most ${Math.floor(lineBytes / wireBytes)} such frames per second.`);
await tx.close();
await rx.close();
socat.kill();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
