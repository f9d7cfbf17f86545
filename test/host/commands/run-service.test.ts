// `immsched run` as a service, as an operator meets it: real processes and real signals. SIGTERM or
// SIGINT drains the run (exit 0, the JSON summary complete, nothing lost), a second signal exits at
// once with 130 and leaves no half-written file, `--duration` is how long the workload runs, the
// dashboard keeps answering after the workload ended, logs go out as JSON lines on request, and a
// config file sets every option (the command line wins, secrets are refused).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { immschedProc, stop, waitFor, type Proc } from "../../hil/processes.js";
import { freePort } from "../../../host/net/ports.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { METRIC_NAMES } from "../../../host/sim/metrics.js";
import { readRunConfig } from "../../../host/config/run-config.js";
import { fileURLToPath } from "node:url";

let dir: string;
let procs: Proc[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-service-"));
});
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function proc(args: string[]): Proc {
  const p = immschedProc(args);
  procs.push(p);
  return p;
}

interface RunJson {
  metrics: Record<string, number>;
  tasks: { arrived: number; completed: number; late: number; dropped: number; lost: number };
  link: Record<string, number>;
  host: Record<string, number>;
}

function expectComplete(out: RunJson): void {
  expect(Object.keys(out).sort()).toEqual(["host", "link", "metrics", "tasks"]);
  expect(Object.keys(out.metrics).sort()).toEqual([...METRIC_NAMES].sort());
  expect(Object.keys(out.tasks).sort()).toEqual(["arrived", "completed", "dropped", "late", "lost"]);
  expect(out.tasks.completed + out.tasks.dropped + out.tasks.lost).toBe(out.tasks.arrived);
}

/** The log's JSON lines (--log-format json). */
function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

describe("immsched run as a service", () => {
  it("SIGTERM mid-run: stops admitting, drains, writes the complete JSON summary, exits 0 with nothing lost", async () => {
    const json = join(dir, "term.json");
    const p = proc(["run", "--duration", "60", "--time-scale", "0.5", "--json", json, "--quiet", "--log-format", "json"]);
    await waitFor(() => logLines(p.stderr()).some((l) => l.msg === "progress"), 30_000, "the first progress line");
    p.child.kill("SIGTERM");
    expect(await p.exited, p.stderr()).toBe(0);
    const out = JSON.parse(readFileSync(json, "utf8")) as RunJson;
    expectComplete(out);
    expect(out.tasks.arrived).toBeGreaterThan(20);
    expect(out.tasks.lost).toBe(0);
    expect(out.link.framesRejected).toBe(0);
    const lines = logLines(p.stderr());
    expect(lines.find((l) => String(l.msg).startsWith("stopping"))).toMatchObject({ reason: "SIGTERM", level: 30 });
    expect(lines.find((l) => l.msg === "run ended")).toMatchObject({ reason: "SIGTERM", tasks: out.tasks });
    expect(p.stdout()).toMatch(/summary · VR_gaming · immsched/);
  }, 60_000);

  it("SIGINT drains the same way; a second signal exits at once with 130 and writes no summary", async () => {
    const json = join(dir, "twice.json");
    // a long grace period and a slow board: the drain is still waiting when the second signal comes
    const p = proc([
      "run",
      "--duration",
      "60",
      "--time-scale",
      "0.02",
      "--grace-ms",
      "60000",
      "--json",
      json,
      "--quiet",
      "--log-format",
      "json",
    ]);
    await waitFor(() => logLines(p.stderr()).some((l) => l.msg === "progress"), 30_000, "the first progress line");
    p.child.kill("SIGINT");
    await waitFor(() => logLines(p.stderr()).some((l) => String(l.msg).startsWith("stopping")), 10_000, "the drain to start");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(130);
    expect(existsSync(json)).toBe(false);
    expect(p.stdout()).not.toMatch(/summary ·/);
  }, 60_000);

  it("--duration is how long the in-process board raises the scenario's frames: the bench's workload of that window", async () => {
    const json = join(dir, "duration.json");
    const r = immsched(["run", "--duration", "2", "--time-scale", "2", "--json", json, "--quiet"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(json, "utf8")) as RunJson;
    expectComplete(out);
    const window = [...loadScenario("VR_gaming", { seed: 1, board: { mesh: { width: 8, height: 8 } } }).stream(2000)];
    expect(out.tasks.arrived).toBe(window.length); // 2 s of frames, not the scenario's 700 ms (120)
    expect(out.tasks.arrived).toBeGreaterThan(300);
    expect(out.tasks.lost).toBe(0);
  }, 60_000);

  it("--monitor: after the workload ended the page, /metrics, /api/state and /healthz keep answering with the final summary", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const p = proc(["run", "--monitor", String(port), "--quiet"]);
    await waitFor(() => p.stdout().includes("the dashboard stays at"), 30_000, "the end of the workload");
    expect(p.stdout()).toMatch(/summary · VR_gaming/);
    // well after the end: still serving
    await new Promise((r) => setTimeout(r, 1500));
    const health = await fetch(`${url}healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, phase: "ended", board: "live" });
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/<p id="banner"/);
    const metrics = await (await fetch(`${url}metrics`)).text();
    const arrivals = metrics.split("\n").find((l) => l.startsWith("immsched_arrivals_total{"));
    // every arrival the host heard (the summary also counts frames never raised behind a dropped one)
    expect(Number(arrivals?.split(" ").pop())).toBeGreaterThan(100);
    const state = (await (await fetch(`${url}api/state`)).json()) as { status: { phase: string; summary: RunJson } };
    expect(state.status.phase).toBe("ended");
    expectComplete(state.status.summary);
    expect(state.status.summary.tasks.arrived).toBe(120);
    // the status event reaches a page that connects now
    const events = await fetch(`${url}events`);
    const reader = events.body!.getReader();
    let text = "";
    while (!text.includes("event: status")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(/"phase":"ended"/);
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    await expect(fetch(`${url}healthz`)).rejects.toThrow();
  }, 60_000);
});

describe("immsched run --config", () => {
  it("the example config of the systemd unit (examples/config/run.json) is valid", () => {
    const file = fileURLToPath(new URL("../../../examples/config/run.json", import.meta.url));
    expect(readRunConfig(file)).toMatchObject({ board: "serial:/dev/ttyAMA0@921600", logFormat: "json" });
    const unit = readFileSync(fileURLToPath(new URL("../../../examples/immsched.service", import.meta.url)), "utf8");
    expect(unit).toMatch(/^ExecStart=.* run --config \/etc\/immsched\/run\.json/m);
  });

  it("takes every option from the file, the command line winning", () => {
    const json = join(dir, "from-config.json");
    const config = join(dir, "run.json");
    writeFileSync(
      config,
      JSON.stringify({
        board: "sim",
        scenario: "VR_gaming",
        policy: "fcfs",
        seed: 2,
        timeScale: 2,
        json,
        quiet: true,
        logFormat: "json",
        graceMs: 500,
      }),
    );
    const r = immsched(["run", "--config", config, "--policy", "immsched"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/policy immsched · seed 2/); // --policy beat the file's fcfs, the seed came from the file
    expect(existsSync(json)).toBe(true);
    expect(logLines(r.stderr).find((l) => l.msg === "run started")).toMatchObject({ policy: "immsched", seed: 2 });
  }, 60_000);

  it("refuses a bad file with its name and the field, exit 2, before anything runs", () => {
    const cases: Array<[string, RegExp]> = [
      ['{"policy": "fastest"}', /bad\.json: field "policy": /],
      ['{"durations": 3}', /bad\.json: field "durations": .*keys: board, scenario/],
      ['{"mesh": "8x99"}', /bad\.json: field "mesh": .*at most 256 tiles/],
      ['{"password": "hunter2"}', /bad\.json: field "password": secrets are not read from the config file: set IMMSCHED_MQTT_/],
      ['{"board": "mqtt://me:hunter2@127.0.0.1:1883/b1"}', /field "board": credentials in the board URL/],
      ['{"quiet": true,\n "seed": }', /bad\.json: malformed JSON: .* at line 2/],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, "bad.json");
      const out = join(dir, "never.json");
      writeFileSync(file, text);
      const r = immsched(["run", "--config", file, "--json", out]);
      expect(r.status, text).toBe(2);
      expect(r.stderr, text).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }
    const missing = immsched(["run", "--config", join(dir, "nope.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read the config file: ENOENT/);
  }, 60_000);
});
