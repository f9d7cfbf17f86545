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
//     With --broker URL the step runs against that broker instead (e.g. the machine's stock
//     Mosquitto on 127.0.0.1:1883, Nagle on).
//  1b. A decision's round trip through each broker and each client behaviour: a board endpoint
//     sends ARRIVAL (and a STAGE_DONE between arrivals, as a running pipeline does), a host
//     endpoint answers each with a BATCH of two commands; ARRIVAL sent -> BATCH received. Protocol
//     1's client (QoS 1, nothing after an unanswered frame) beside protocol 2's (QoS 0 and a nudge,
//     firmware-bridge/link/mqtt.ts), on a Mosquitto with set_tcp_nodelay and on the stock one.
//  1c. VR_gaming end to end: `immsched board` and `immsched run` in their own processes (board at a
//     quarter of real time, as test/hil) over the stock Mosquitto and over a socat pty, in turns
//     (the machine's load drifts; turns share it), --vr-runs times each: violation rates.
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
import { HELLO_FLAGS, encodeMessage, type Message } from "../../firmware-bridge/protocol/index.js";
import { boardHello } from "../../firmware-bridge/board/hello.js";
import { machineLine } from "./machine.js";
import { percentile } from "../sim/metrics.js";

const opts = new Command()
  .option("--rates <list>", "arrival rates to try (per second)", "1000,2000,5000,8000")
  .option("--seconds <s>", "length of each rate step", (v) => Number(v), 3)
  .option("--serial-seconds <s>", "length of the serial step", (v) => Number(v), 3)
  .option("--broker <url>", "run the MQTT step against this broker instead of a Mosquitto with set_tcp_nodelay started here")
  .option("--vr-runs <n>", "VR_gaming runs over the stock Mosquitto and over a socat pty, each (0: skip)", (v) => Number(v), 3)
  .parse(process.argv)
  .opts<{ rates: string; seconds: number; serialSeconds: number; broker?: string; vrRuns: number }>();

const BIN = fileURLToPath(new URL("../../bin/immsched.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "immsched-bench-link-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log("# bench:link\n");
console.log(`command: npm run bench:link -- ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log(`machine: ${machineLine()}\n`);

// ---- 1. MQTT ------------------------------------------------------------------------------------
const broker = await startMosquitto(["max_inflight_messages 0", "max_queued_messages 0"]);
const url = opts.broker ?? broker.url;
const FAR = 10e9; // deadlines far away: every arrival is placed or queued, none dropped as hopeless
const STOCK = "mqtt://127.0.0.1:1883";

const brokerName = opts.broker ? `the broker at ${opts.broker}` : "Mosquitto 2 with set_tcp_nodelay";
console.log(`## MQTT: arrivals the host sustains (${brokerName}, MQTT 5, protocol 2: QoS 0, one BATCH per decision, loopback)\n`);
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
const brokers: Array<[string, string]> = [["Mosquitto started here, set_tcp_nodelay true", broker.url]];
if (await listening(1883)) brokers.push(["the machine's Mosquitto on 127.0.0.1:1883 (as configured)", "mqtt://127.0.0.1:1883"]);
for (const [name, u] of brokers) {
  const rtt = await roundTrips(u, 200);
  console.log(`| ${name} | ${percentile(rtt, 50).toFixed(2)} | ${percentile(rtt, 99).toFixed(2)} |`);
}

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

// ---- a decision's round trip per broker and client behaviour -------------------------------------
console.log(`\n## A decision's round trip (ARRIVAL -> BATCH of 2 commands back, 100 /s with a STAGE_DONE between, 3 s)\n`);
console.log("| broker | client | p50 ms | p90 ms | p99 ms | max ms | over 30 ms |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const clients: Array<[string, 0 | 1, boolean]> = [
  ["protocol 1 (QoS 1, no nudge)", 1, false],
  ["protocol 2 (QoS 0 + nudge)", 0, true],
];
const rttBrokers: Array<[string, string]> = [["Mosquitto, set_tcp_nodelay true", broker.url]];
if (await listening(1883)) rttBrokers.push(["the machine's Mosquitto (stock, Nagle on)", STOCK]);
for (const [bname, u] of rttBrokers) {
  for (const [cname, qos, nudge] of clients) {
    const lat = await decisionRoundTrips(u, qos, nudge, 100, 3);
    console.log(
      `| ${bname} | ${cname} | ${percentile(lat, 50).toFixed(2)} | ${percentile(lat, 90).toFixed(2)} | ${percentile(lat, 99).toFixed(2)} | ` +
        `${Math.max(...lat).toFixed(2)} | ${lat.filter((x) => x > 30).length}/${lat.length} |`,
    );
  }
}

async function decisionRoundTrips(u: string, qos: 0 | 1, nudge: boolean, rate: number, seconds: number): Promise<number[]> {
  const id = `dec${process.pid}q${qos}${nudge ? "n" : ""}`;
  const ht = await MqttTransport.open({ url: u, boardId: id, side: "host", qos, nudge });
  const bt = await MqttTransport.open({ url: u, boardId: id, side: "board", qos, nudge });
  const host = new Endpoint(ht, { side: "host", retryMs: MQTT_RETRY_MS, window: 1024 });
  const board = new Endpoint(bt, { side: "board", retryMs: MQTT_RETRY_MS, window: 1024 });
  host.on("message", (m) => {
    if (m.type !== "arrival") return;
    host.send({
      type: "batch",
      commands: [
        { type: "preempt", epoch: 1, taskId: m.taskId + 1_000_000 },
        { type: "schedule", epoch: 1, taskId: m.taskId, tiles: [1, 2] },
      ],
    });
  });
  const sentAt = new Map<number, number>();
  const lat: number[] = [];
  board.on("message", (m) => {
    const at = m.type === "schedule" ? sentAt.get(m.taskId) : undefined;
    if (at !== undefined) lat.push(performance.now() - at);
  });
  for (let i = 0; i < rate * seconds; i++) {
    sentAt.set(i, performance.now());
    board.send({ type: "arrival", taskId: i, modelId: 0, priority: 1, frame: i, arrivalNs: 1, deadlineNs: 2 });
    await sleep(500 / rate);
    board.send({ type: "stage_done", taskId: i, stage: 0, busyNs: 1, boardTimeNs: 2 });
    await sleep(500 / rate);
  }
  await sleep(300);
  host.close();
  board.close();
  await ht.close();
  await bt.close();
  return lat;
}

broker.close();

// ---- VR_gaming end to end: stock Mosquitto vs socat pty -------------------------------------------
if (opts.vrRuns > 0 && (await listening(1883))) {
  console.log(`\n## VR_gaming end to end: the stock Mosquitto (Nagle on) vs a socat pty, board at --time-scale 0.25, in turns\n`);
  console.log("| run | link | violations % | XRBench score | late | dropped | lost | host p99 µs |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  const sums: Record<string, number[]> = { mqtt: [], pty: [] };
  for (let i = 1; i <= opts.vrRuns; i++) {
    for (const link of ["mqtt", "pty"] as const) {
      const r = await vrGaming(link, i);
      sums[link]!.push(r.metrics.violationRate * 100);
      console.log(
        `| ${i} | ${link === "mqtt" ? "stock Mosquitto" : "socat pty"} | ${(r.metrics.violationRate * 100).toFixed(1)} | ${r.metrics.xrbenchScore.toFixed(1)} | ` +
          `${r.tasks.late} | ${r.tasks.dropped} | ${r.tasks.lost} | ${r.host.arrivalToCommandMicrosP99.toFixed(0)} |`,
      );
    }
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`\nmean violations: stock Mosquitto ${mean(sums.mqtt!).toFixed(1)} %, socat pty ${mean(sums.pty!).toFixed(1)} %`);
}

interface RunJson {
  metrics: { violationRate: number; xrbenchScore: number };
  tasks: { late: number; dropped: number; lost: number };
  host: { arrivalToCommandMicrosP99: number };
}

async function vrGaming(link: "mqtt" | "pty", i: number): Promise<RunJson> {
  const json = join(dir, `vr-${link}-${i}.json`);
  const id = `vr${process.pid}x${i}`;
  let socat: ReturnType<typeof spawn> | undefined;
  let boardArgs: string[];
  let hostBoard: string;
  if (link === "mqtt") {
    boardArgs = ["--mqtt", STOCK, "--id", id];
    hostBoard = `${STOCK}/${id}`;
  } else {
    const [pa, pb] = [join(dir, `vr-a-${i}`), join(dir, `vr-b-${i}`)];
    socat = spawn("socat", [`pty,raw,echo=0,link=${pa}`, `pty,raw,echo=0,link=${pb}`], { stdio: "ignore" });
    for (let k = 0; k < 100 && !(existsSync(pa) && existsSync(pb)); k++) await sleep(50);
    boardArgs = ["--serial", pb];
    hostBoard = `serial:${pa}`;
  }
  const board = spawn(process.execPath, [BIN, "board", ...boardArgs, "--time-scale", "0.25", "--quiet"], { stdio: "ignore" });
  await sleep(1500);
  const host = spawn(process.execPath, [BIN, "run", "--board", hostBoard, "--scenario", "VR_gaming", "--quiet", "--json", json], {
    stdio: "ignore",
  });
  await new Promise((resolve) => host.on("exit", resolve));
  board.kill();
  socat?.kill();
  await sleep(300);
  return JSON.parse(readFileSync(json, "utf8")) as RunJson;
}

/** A tile-spatial 8x8 board's HELLO. */
function hello(boardId: string, boardTimeNs: number): Message {
  return boardHello({ boardId, boardTimeNs, flags: HELLO_FLAGS.tileSpatial });
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
