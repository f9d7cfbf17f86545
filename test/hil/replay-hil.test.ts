// Hardware in the loop, replayed: `immsched run --trace` against `immsched board` in another
// process over a socat pseudo-terminal pair (the real serialport at 921600 baud), then
// `immsched replay` of that trace gives the metrics the run reported, bit for bit. The board's
// stage and task completions and the host's arrival -> command times are taken from the trace
// (a real board executed the commands in its own time); the command stream, the records and the
// metrics are rebuilt from it. The same for a run against the in-process virtual board.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../support/cli.js";
import { immschedProc, ptyPair, stop, type Proc } from "./processes.js";
import { lacksCommand } from "../support/requires.js";

let dir: string;
let procs: Proc[] = [];
// VR_gaming (hand tracking depends on the frame before it); the board at a quarter of real time,
// as hil.test.ts explains
const SCENARIO = ["--scenario", "VR_gaming", "--seed", "4"];
const NO_SOCAT = lacksCommand("socat", "socat", "replay of a hardware-in-the-loop run over a serial pty");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-replay-hil-"));
});
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function replayMatches(trace: string, summaryFile: string): void {
  const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  const r = immsched(["replay", trace, "--json"]);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.source).toBe("run");
  expect(out.clock).toBe("board");
  expect(out.reproduced).toBe(true);
  // the replay's own computation, compared with the summary the run wrote (not only the trace's end line)
  expect(out.metrics).toEqual(summary.metrics);
  expect(out.tasks).toBe(summary.tasks.arrived);
  expect(out.commands).toBeGreaterThan(100);
  expect(out.boardEvents).toBeGreaterThan(100);
  // the trace carries each task's profile, so the replay also ran the commands on the accelerator
  // model: it saw every task the board finished (how close the finishes are depends on the link
  // and the machine's load: information, not asserted)
  expect(out.model.boardFinished).toBe(summary.tasks.completed);
  expect(out.model.modelFinished).toBeGreaterThan(0);
  expect(out.model.modelFinished).toBeLessThanOrEqual(out.model.boardFinished);
}

describe("replay of a run against a board", () => {
  it.skipIf(NO_SOCAT)(
    "serial over a socat pty: the replay gives the metrics the run reported",
    async () => {
      const pty = await ptyPair(dir);
      procs.push(pty.proc);
      const board = immschedProc(["board", "--serial", pty.b, "--baud", "921600", ...SCENARIO, "--time-scale", "0.25", "--quiet"]);
      procs.push(board);
      const json = join(dir, "serial.json");
      const trace = join(dir, "serial.jsonl");
      const host = immschedProc([
        "run",
        "--board",
        `serial:${pty.a}@921600`,
        ...SCENARIO,
        "--policy",
        "immsched",
        "--duration",
        "30",
        "--json",
        json,
        "--trace",
        trace,
        "--quiet",
      ]);
      procs.push(host);
      expect(await host.exited, `host stderr: ${host.stderr()}\nstdout: ${host.stdout()}`).toBe(0);
      const text = readFileSync(trace, "utf8");
      expect(text).toMatch(/"op":"hello"/);
      expect(text).toMatch(/"op":"telemetry"/);
      replayMatches(trace, json);
    },
    60_000,
  );

  it("the in-process virtual board (a layer-temporal policy): the same", () => {
    const json = join(dir, "sim.json");
    const trace = join(dir, "sim.jsonl");
    const r = immsched(["run", ...SCENARIO, "--policy", "dysta", "--json", json, "--trace", trace, "--quiet"]);
    expect(r.status, r.stderr).toBe(0);
    replayMatches(trace, json);
  }, 60_000);
});
