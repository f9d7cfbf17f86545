// The runtime as a service beside a board on a UART: `immsched run --board serial:...` against
// `immsched board` in another process over a socat pseudo-terminal pair (real serialport), the board
// raising VR_gaming's frames continuously; the operator stops the host with SIGTERM mid-run. The
// host must stop admitting, let the running tasks finish, exit 0 with a complete JSON summary and
// no task lost, and close the link cleanly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immschedProc, ptyPair, stop, waitFor, type Proc } from "./processes.js";
import { lacksCommand } from "../support/requires.js";
import { METRIC_NAMES } from "../../host/sim/metrics.js";

const NO_SOCAT = lacksCommand("socat", "socat", "the service run over a serial pty");
let dir: string;
let procs: Proc[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-hil-service-"));
});
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(NO_SOCAT)("a board host stopped with SIGTERM", () => {
  it("over the socat pty, mid-run: exit 0, a complete JSON summary, lost 0", async () => {
    const pty = await ptyPair(dir);
    procs.push(pty.proc);
    // frames for a minute of board time: the board is still raising them when the host is stopped
    const board = immschedProc([
      "board",
      "--serial",
      pty.b,
      "--scenario",
      "VR_gaming",
      "--duration-ms",
      "60000",
      "--time-scale",
      "0.5",
      "--quiet",
    ]);
    procs.push(board);
    const file = join(dir, "service.json");
    const h = immschedProc([
      "run",
      "--board",
      `serial:${pty.a}`,
      "--scenario",
      "VR_gaming",
      "--json",
      file,
      "--quiet",
      "--log-format",
      "json",
    ]);
    procs.push(h);
    const progress = () =>
      h
        .stderr()
        .split("\n")
        .filter((l) => l.includes('"msg":"progress"'))
        .map((l) => JSON.parse(l) as { tasks: { arrived: number } });
    await waitFor(() => progress().some((p) => p.tasks.arrived > 100), 45_000, "a hundred tasks heard");
    h.child.kill("SIGTERM");
    expect(await h.exited, h.stderr()).toBe(0);
    expect(board.child.exitCode).toBeNull(); // the board was still running its workload
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(json).sort()).toEqual(["host", "link", "metrics", "tasks"]);
    expect(Object.keys(json.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    expect(json.tasks.arrived).toBeGreaterThan(100);
    expect(json.tasks.lost).toBe(0);
    expect(json.tasks.completed + json.tasks.dropped).toBe(json.tasks.arrived);
    expect(json.link.framesRejected).toBe(0);
    expect(h.stderr()).toMatch(/"msg":"stopping: no new tasks admitted/);
  }, 90_000);
});
