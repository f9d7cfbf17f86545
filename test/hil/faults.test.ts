// Fault injection in the loop: `immsched run` against `immsched board --faults ...` in another
// process, over a socat pty with the real serialport and over a Mosquitto this suite starts. All
// faults in one run (issue 13's goal): the board drops, corrupts and repeats 5 % of the frames each
// way, holds every frame 0..2 ms and resets once mid-run; the host's Wasm core traps every 37
// events (`--core-trap-every`); through the broker, the broker is also killed and restarted mid-run.
// Each run must end with every task completed or dropped with a reason (lost 0), and each fault
// counted by the board (injected) and by the side that received it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immschedProc, ptyPair, stop, waitFor, type Proc } from "./processes.js";
import { lacksCommand } from "../support/requires.js";
import { startMosquitto } from "../../host/net/mosquitto.js";
import type { RunSummary } from "../../host/commands/run.js";

const NO_SOCAT = lacksCommand("socat", "socat", "fault injection over a serial pty");
const NO_MOSQUITTO = lacksCommand("mosquitto", "mosquitto", "fault injection through a Mosquitto of the test's own");

const SCENARIO = ["--scenario", "VR_gaming", "--seed", "3"];
// board time at a quarter of real time: the scenario's 700 ms last ~3 s of wall time, the reset
// lands in the middle of it
const FAULTS = ["--time-scale", "0.25", "--faults", "drop=0.05,corrupt=0.05,dup=0.05,delay=2,reset-after=1.5"];

let dir: string;
let procs: Proc[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-hil-faults-"));
});
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Injected {
  tx: { dropped: number; corrupted: number; duplicated: number; delayed: number };
  rx: { dropped: number; corrupted: number; duplicated: number; delayed: number };
  resets: number;
  boardRejected: number;
  boardDuplicates: number;
  boardLinkFaults: number;
  aborted: number;
  reissued: number;
  unclaimed: number;
}

/** The board's summary lines, as numbers. */
function boardFigures(out: string): Injected {
  const dir = (word: string) => {
    const m = new RegExp(`${word} (\\d+) dropped, (\\d+) corrupted, (\\d+) duplicated, (\\d+) delayed`).exec(out);
    expect(m, `board summary:\n${out}`).not.toBeNull();
    return { dropped: Number(m![1]), corrupted: Number(m![2]), duplicated: Number(m![3]), delayed: Number(m![4]) };
  };
  const seen = /faults seen here: (\d+) frames rejected, (\d+) duplicates.* (\d+) link faults/.exec(out)!;
  const aborted = /(\d+) aborted by a new session(?: \((\d+) re-issued by the host, (\d+) never claimed\))?/.exec(out)!;
  return {
    tx: dir("sent"),
    rx: dir("received"),
    resets: Number(/(\d+) resets/.exec(out)![1]),
    boardRejected: Number(seen[1]),
    boardDuplicates: Number(seen[2]),
    boardLinkFaults: Number(seen[3]),
    aborted: Number(aborted[1]),
    reissued: Number(aborted[2] ?? 0),
    unclaimed: Number(aborted[3] ?? 0),
  };
}

/** What `immsched run --json` writes (its summary). */
type RunJson = RunSummary;

/** The host's core traps every TRAP_EVERY controller events (a debug export forces it). */
const TRAP_EVERY = 37;

/**
 * The host against the faulty board; returns both sides' figures. `midRun` runs once the host has
 * seen its first arrivals (the broker restart).
 */
async function faultyRun(boardArgs: string[], hostBoard: string, name: string, midRun?: () => Promise<void>) {
  const board = immschedProc(["board", ...boardArgs, ...SCENARIO, ...FAULTS]);
  procs.push(board);
  const file = join(dir, `${name}.json`);
  // a run against a real board lasts until stopped: stop it once the board has ended its workload
  const host = immschedProc([
    "run",
    "--board",
    hostBoard,
    ...SCENARIO,
    "--policy",
    "immsched",
    "--core-trap-every",
    String(TRAP_EVERY),
    "--json",
    file,
  ]);
  procs.push(host);
  if (midRun) {
    await waitFor(() => /arrived [1-9]/.test(host.stdout()), 30_000, "the first arrivals");
    await midRun();
  }
  // (through a broker the board may go on retrying frames the host never answers: give it 30 s)
  await Promise.race([board.exited, host.exited, new Promise((r) => setTimeout(r, 30_000))]);
  host.child.kill("SIGTERM");
  const code = await host.exited;
  expect(code, `host stderr: ${host.stderr()}\nstdout: ${host.stdout()}`).toBe(0);
  if (board.child.exitCode === null) board.child.kill("SIGTERM"); // it prints its summary and exits 0
  expect(await board.exited, `board stderr: ${board.stderr()}`).toBe(0);
  const json = JSON.parse(readFileSync(file, "utf8")) as RunJson;
  const b = boardFigures(board.stdout());
  const hostLine = /board sessions (\d+): (\d+) tasks re-issued, (\d+) dropped/.exec(host.stdout());
  console.log(
    `${name}: injected by the board: sent ${JSON.stringify(b.tx)}, received ${JSON.stringify(b.rx)}, resets ${b.resets}; ` +
      `host saw rejected ${json.link.framesRejected}, duplicates ${json.link.duplicates}, retries ${json.link.retries}, ${hostLine?.[0] ?? "one session"}, core traps ${json.host.coreRestarts}, link faults ${json.link.transportErrors}; ` +
      `board saw rejected ${b.boardRejected}, duplicates ${b.boardDuplicates}, link faults ${b.boardLinkFaults}, aborted ${b.aborted}, re-issued ${b.reissued}, unclaimed ${b.unclaimed}; ` +
      `tasks ${JSON.stringify(json.tasks)}`,
  );
  return { json, b, hostLine };
}

/**
 * `minCompleted`: on serial a lost frame is sent again after 100 ms (25 ms of board time); through a
 * broker after 1 s (link/retry.ts), longer than most of VR_gaming's deadlines, so there most tasks
 * that meet a fault are dropped (with their reason) rather than completed.
 */
function survived({ json, b, hostLine }: Awaited<ReturnType<typeof faultyRun>>, minCompleted: number): void {
  // nothing lost: every arrival of the scenario completed or was dropped with a reason
  expect(json.tasks.lost).toBe(0);
  expect(json.tasks.arrived).toBe(120);
  expect(json.tasks.completed + json.tasks.dropped).toBe(120);
  expect(json.tasks.completed).toBeGreaterThan(minCompleted);
  // every fault happened, both ways
  for (const k of [b.tx.dropped, b.tx.corrupted, b.tx.duplicated, b.rx.dropped, b.rx.corrupted, b.rx.duplicated])
    expect(k).toBeGreaterThan(0);
  expect(b.tx.delayed).toBeGreaterThan(100);
  expect(b.resets).toBe(1);
  // and was counted where it landed: a corrupted frame fails the CRC check there (the board may
  // corrupt a few more after the host has gone: its heartbeats and last retries)
  expect(json.link.framesRejected).toBeGreaterThan(0);
  expect(json.link.framesRejected).toBeLessThanOrEqual(b.tx.corrupted);
  expect(Math.abs(b.boardRejected - b.rx.corrupted)).toBeLessThanOrEqual(2);
  expect(json.link.retries).toBeGreaterThan(0);
  // the reset: the host saw a second session and re-issued what the board had aborted
  expect(hostLine, "the host's summary names the second board session").not.toBeNull();
  expect(Number(hostLine![1])).toBe(2);
  // a task the board aborted and the host did not claim is one the host had already ended: its
  // DROP was still unacknowledged at the reset (the board ends it after 1 s). (And the board may
  // run again a task the host did not re-issue: a command of the old session, held back by the
  // delay fault, that reaches it after the reset; the host ignores its TASK_DONE.)
  expect(b.unclaimed).toBeLessThanOrEqual(json.tasks.dropped);
  // the core trapped and was restored, more than once (the board alone sends hundreds of events)
  expect(json.host.coreRestarts).toBeGreaterThanOrEqual(2);
}

describe("fault injection in the loop", () => {
  it.skipIf(NO_SOCAT)(
    "serial pty: drop, corrupt, dup 5 % each way, 0..2 ms delays, a board reset and core traps; nothing lost, every fault counted",
    async () => {
      const pty = await ptyPair(dir);
      procs.push(pty.proc);
      survived(await faultyRun(["--serial", pty.b], `serial:${pty.a}`, "serial"), 60);
    },
    120_000,
  );

  it.skipIf(NO_MOSQUITTO)(
    "Mosquitto (MQTT 5): the same faults, a board reset, core traps and a broker restart; nothing lost, every fault counted",
    async () => {
      const broker = await startMosquitto();
      try {
        const restart = () => broker.restart(1000);
        const run = await faultyRun(["--mqtt", broker.url, "--id", "faulty1"], `${broker.url}/faulty1`, "mosquitto", restart);
        // the broker is away 1 s and both sides reconnect within another second: most of the
        // workload's ~3 s of wall time, so fewer complete than with link faults alone (10 or more)
        survived(run, 3);
        // the broker restart was survived and counted on both sides
        expect(run.json.link.transportErrors).toBeGreaterThanOrEqual(1);
        expect(run.b.boardLinkFaults).toBeGreaterThanOrEqual(1);
      } finally {
        broker.close();
      }
    },
    120_000,
  );

  it("refuses a bad --faults with exit status 2 and a message naming the fault", async () => {
    const p = immschedProc(["board", "--serial", "/dev/null", "--faults", "drop=2"]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/--faults: drop must be a probability in 0\.\.1/);
  });
});
