// Hardware in the loop: the real host (`immsched run`) against the virtual board (`immsched board`)
// in another process, over a socat pseudo-terminal pair with the real serialport, over Mosquitto
// (MQTT 5) and over an embedded aedes broker (MQTT 3.1.1). Each run must complete its tasks with
// no frame rejected, and its metrics must match a virtual-time bench of the same scenario within
// noise (wall-time jitter, decision times measured instead of charged by work).
//
// The board runs at a quarter of real time (--time-scale 0.25): host, board and socat share two
// cores, and timer jitter of a millisecond or two is large against VR_gaming's 16 ms frames. At
// 1.0 on this machine the serial run saw 19% of frames late where virtual time has none; at 0.25
// the figures agree. A run whose metrics are compared with the bench is tried twice (WALL): once CI
// saw 10 of 120 frames late over aedes where every other run has none, every run of that suite
// 20-40 % slower than usual (another job on the machine); one stall of ~100 ms of wall time makes a
// burst of frames late. A real regression fails both tries; each try prints its figures. The Mosquitto on 127.0.0.1:1883 of this machine runs without
// `set_tcp_nodelay`, so every QoS 1 round trip through it costs ~42 ms (Nagle; docs/ARCHITECTURE.md "Real
// parts"): the run over it must work (MQTT 5, no frame rejected, every task settled, external
// arrivals), while the metric comparison runs on a Mosquitto this suite starts with no-delay.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../support/cli.js";
import { immschedProc, listening, ptyPair, stop, waitFor, type Proc } from "./processes.js";
import { lacksBrokerOn1883, lacksCommand } from "../support/requires.js";
import { startMosquitto } from "../../host/net/mosquitto.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../firmware-bridge/link/broker.js";
import { MqttTransport, arrivalsTopic } from "../../firmware-bridge/link/mqtt.js";

let dir: string;
let procs: Proc[] = [];
const SCENARIO = ["--scenario", "VR_gaming", "--seed", "3"];
const SLOW = ["--time-scale", "0.25"];
// a scenario whose long models (ASR, 3 frames/s) keep a task in flight most of the time: a cable
// cut mid-run then always catches one (VR_gaming's short frames leave the board idle between them)
const BUSY = ["--scenario", "outdoor_activity_A", "--seed", "3"];

interface RunJson {
  metrics: { violationRate: number; xrbenchScore: number; latencyP50Ms: number; antt: number };
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  link: { framesSent: number; framesReceived: number; framesRejected: number; retries: number };
  host: { arrivalToCommandMicrosP50: number; arrivalToCommandMicrosP99: number };
}

const NO_SOCAT = lacksCommand("socat", "socat", "hardware in the loop over a serial pty");
const NO_MOSQUITTO = lacksCommand("mosquitto", "mosquitto", "hardware in the loop through a Mosquitto of the test's own");
const NO_BROKER_1883 = await lacksBrokerOn1883("hardware in the loop through the machine's broker on 127.0.0.1:1883");

const WALL = { timeout: 60_000, retry: 1 };

let bench: { violationRate: number; xrbenchScore: number; latencyP50Ms: number; antt: number };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-hil-"));
  const out = join(dir, "bench.json");
  const r = immsched(["bench", ...SCENARIO.slice(0, 2), "--seeds", "3", "--policy", "immsched", "--json", out, "--quiet"]);
  expect(r.status, r.stderr).toBe(0);
  bench = JSON.parse(readFileSync(out, "utf8")).summary.immsched;
});
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the host against a real board until that board has played its scenario and exited (a run
 * against a real board lasts until it is stopped), stops it with SIGTERM as an operator would, and
 * returns its JSON summary and output.
 */
async function host(board: string, name: string, boardProc: Proc): Promise<{ json: RunJson; stdout: string }> {
  const file = join(dir, `${name}.json`);
  const h = immschedProc(["run", "--board", board, ...SCENARIO, "--policy", "immsched", "--json", file, "--quiet"]);
  procs.push(h);
  await Promise.race([boardProc.exited, h.exited]);
  h.child.kill("SIGTERM");
  const code = await h.exited;
  expect(code, `host stderr: ${h.stderr()}\nstdout: ${h.stdout()}`).toBe(0);
  return { json: JSON.parse(readFileSync(file, "utf8")), stdout: h.stdout() };
}

function matchesBench(run: RunJson, name: string): void {
  console.log(
    `${name}: violations ${run.metrics.violationRate.toFixed(4)} (bench ${bench.violationRate.toFixed(4)}), score ${run.metrics.xrbenchScore.toFixed(2)} (${bench.xrbenchScore.toFixed(2)}), latency p50 ${run.metrics.latencyP50Ms.toFixed(2)} ms (${bench.latencyP50Ms.toFixed(2)}), tasks ${JSON.stringify(run.tasks)}`,
  );
  expect(run.tasks.arrived).toBeGreaterThan(100);
  expect(run.tasks.completed).toBeGreaterThan(100);
  expect(run.tasks.lost).toBe(0);
  expect(run.link.framesRejected).toBe(0);
  // within noise of the virtual-time run of the same scenario and seed
  expect(Math.abs(run.metrics.violationRate - bench.violationRate)).toBeLessThanOrEqual(0.05);
  expect(Math.abs(run.metrics.xrbenchScore - bench.xrbenchScore)).toBeLessThanOrEqual(5);
  expect(run.metrics.latencyP50Ms).toBeGreaterThan(bench.latencyP50Ms * 0.75);
  expect(run.metrics.latencyP50Ms).toBeLessThan(bench.latencyP50Ms * 1.35);
}

describe("hardware in the loop", () => {
  it.skipIf(NO_SOCAT)("serial: immsched run against immsched board over a socat pty at 921600 baud", WALL, async () => {
    const pty = await ptyPair(dir);
    procs.push(pty.proc);
    const board = immschedProc(["board", "--serial", pty.b, "--baud", "921600", ...SCENARIO, ...SLOW, "--quiet"]);
    procs.push(board);
    const { json, stdout } = await host(`serial:${pty.a}@921600`, "serial", board);
    expect(stdout).toMatch(/serial .*pty-a @ 921600/);
    matchesBench(json, "serial");
  });

  it.skipIf(NO_BROKER_1883)(
    "MQTT 5 through Mosquitto on 127.0.0.1:1883, with external arrivals from another service",
    async () => {
      expect(await listening(1883), "Mosquitto must listen on 127.0.0.1:1883 (.ci/run starts it)").toBe(true);
      const id = `hil${process.pid}`;
      const board = immschedProc([
        "board",
        "--mqtt",
        "mqtt://127.0.0.1:1883",
        "--id",
        id,
        ...SCENARIO,
        ...SLOW,
        "--external-arrivals",
        "--quiet",
      ]);
      procs.push(board);
      // another service: publishes three tasks on the arrivals feed once the run is under way (it
      // listens to the board's topics, without answering, to see the first ARRIVAL go by)
      const feed = await MqttTransport.open({ url: "mqtt://127.0.0.1:1883", boardId: id, side: "host" });
      let boardFrames = 0;
      feed.onFrame(() => boardFrames++);
      const run = host(`mqtt://127.0.0.1:1883/${id}`, "mosquitto", board);
      await waitFor(() => boardFrames > 20, 20_000, "the board's first frames");
      for (const n of [1, 2, 3]) {
        await feed.publishRaw(arrivalsTopic(id), JSON.stringify({ id: 900000 + n, model: "ES_RITNet", priority: 9, deadlineMs: 50 }));
      }
      const { json, stdout } = await run;
      await feed.close();
      expect(stdout).toMatch(/MQTT 5/);
      expect(json.link.framesRejected).toBe(0);
      expect(json.tasks.lost).toBe(0);
      // the three external tasks were scheduled and settled on top of the scenario's 120
      expect(json.tasks.arrived).toBe(123);
      expect(json.tasks.completed + json.tasks.dropped).toBe(123);
      expect(json.tasks.completed).toBeGreaterThan(60);
      console.log(`mosquitto :1883 run: ${JSON.stringify(json.metrics)} host ${JSON.stringify(json.host)}`);
    },
    60_000,
  );

  it.skipIf(NO_MOSQUITTO)("MQTT 5 through a Mosquitto with no-delay sockets: metrics match the virtual-time bench", WALL, async () => {
    const broker = await startMosquitto();
    try {
      const board = immschedProc(["board", "--mqtt", broker.url, "--id", "nd1", ...SCENARIO, ...SLOW, "--quiet"]);
      procs.push(board);
      const { json, stdout } = await host(`${broker.url}/nd1`, "mosquitto-nodelay", board);
      expect(stdout).toMatch(/MQTT 5/);
      matchesBench(json, "mosquitto no-delay");
    } finally {
      broker.close();
    }
  });

  describe("MQTT 3.1.1 through the embedded aedes broker", () => {
    let broker: EmbeddedBroker;
    beforeAll(async () => {
      broker = await startEmbeddedBroker();
    });
    afterAll(async () => {
      await broker.close();
    });
    it("completes the scenario", WALL, async () => {
      const board = immschedProc(["board", "--mqtt", broker.url, "--id", "aedes1", ...SCENARIO, ...SLOW, "--quiet"]);
      procs.push(board);
      const { json, stdout } = await host(`${broker.url}/aedes1`, "aedes", board);
      expect(stdout).toMatch(/MQTT 3\.1\.1/);
      matchesBench(json, "aedes");
    });
  });

  it("the board reports a clear error and exits 1 when its serial port does not exist", () => {
    const r = immsched(["board", "--serial", join(dir, "no-such-tty"), "--quiet"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no-such-tty/);
  });
});

describe.skipIf(NO_SOCAT)("a serial link that dies mid-run", () => {
  it("is survived: the host counts the fault, loses the board's tasks, and still writes its summary", async () => {
    const pty = await ptyPair(dir);
    procs.push(pty.proc);
    // a tenth of real time: the scenario lasts 7 s of wall time
    const board = immschedProc(["board", "--serial", pty.b, ...BUSY, "--time-scale", "0.1", "--quiet"]);
    procs.push(board);
    const file = join(dir, "cut.json");
    const h = immschedProc(["run", "--board", `serial:${pty.a}`, ...BUSY, "--duration", "8", "--json", file]);
    procs.push(h);
    // the cut lands while the host's live line shows a task in flight (arrived > done + dropped)
    const inFlight = () =>
      [...h.stdout().matchAll(/arrived (\d+) · done (\d+) · late \d+ · dropped (\d+)/g)].some(
        (m) => Number(m[1]) > Number(m[2]) + Number(m[3]),
      );
    await waitFor(inFlight, 30_000, "a task in flight");
    await stop(pty.proc); // the cable is cut: both pty ends go away
    const code = await h.exited;
    expect(code, h.stderr()).toBe(0);
    const json = JSON.parse(readFileSync(file, "utf8")) as RunJson;
    expect(json.tasks.arrived).toBeGreaterThan(0);
    expect(json.tasks.lost + json.tasks.completed + json.tasks.dropped).toBe(json.tasks.arrived);
    expect(json.tasks.lost).toBeGreaterThan(0);
    expect(h.stdout()).toMatch(/link faults \d+|board lost/);
  }, 60_000);
});
