// A link that loses, corrupts, repeats and delays frames between the real host runtime and the
// virtual board (both in this process, the real codec and endpoints on each side; the faults come
// from firmware-bridge/link/faults.ts, as `immsched board --faults` injects them, since a noisy
// cable cannot be ordered here), and a board that resets mid-run. The run must survive: every task
// ends (completed, or dropped with a reason; none lost), every fault is counted on both sides, nothing
// throws, the controller stays consistent.
import { describe, expect, it } from "vitest";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { FaultyTransport, parseFaults } from "../../../firmware-bridge/link/faults.js";
import { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { loadScenario } from "../../../host/workloads/scenario.js";

const board8x8 = { mesh: { width: 8, height: 8, torus: false } };

/** The real runtime and the virtual board on an in-process link, the board's end wrapped in the faults of `spec`. */
function faultyRun(spec: string, o: { scenario: string; seed: number; durationMs: number; timeScale: number }) {
  const scenario = loadScenario(o.scenario, { seed: o.seed, board: board8x8, durationMs: o.durationMs });
  const [h, b] = transportPair();
  const faults = new FaultyTransport(b, parseFaults(spec), o.seed);
  let runtime!: HostRuntime;
  const endpoint = new Endpoint(h, { side: "host", retryMs: 20, ackEpoch: () => runtime?.currentEpoch ?? 0 });
  runtime = new HostRuntime({ endpoint, policy: "immsched", models: scenario.models, seed: o.seed });
  const vb = new VirtualBoard({
    transport: faults,
    retryMs: 20,
    boardId: "faulty",
    mesh: { width: 8, height: 8 },
    scenario,
    timeScale: o.timeScale,
  });
  runtime.start();
  vb.start();
  const finished = Promise.race([
    vb.finished,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the run did not finish in 40 s")), 40_000)),
  ]);
  const end = async () => {
    const summary = await finished;
    // the last ACKs and TASK_DONEs still in flight (delayed frames) reach the host
    await new Promise((r) => setTimeout(r, 200));
    runtime.stop();
    vb.stop();
    await faults.close();
    endpoint.close();
    return summary;
  };
  return { runtime, endpoint, vb, faults, end };
}

/** Every task the host heard of ended: completed, or dropped with a reason. */
function nothingLost(runtime: HostRuntime): void {
  expect(runtime.summary.open).toBe(0);
  for (const r of runtime.summary.records.values()) expect(r.finishNs !== undefined || r.dropped !== undefined, `task ${r.id}`).toBe(true);
  expect(runtime.invariants()).toBe(0);
}

describe("a faulty link", () => {
  it("loses, corrupts, repeats and delays frames both ways: every task still ends, each fault is counted on both sides", async () => {
    const run = faultyRun("drop=0.05,corrupt=0.05,dup=0.05,delay=3", { scenario: "VR_gaming", seed: 2, durationMs: 250, timeScale: 0.25 });
    const summary = await run.end();
    const { runtime, endpoint, vb, faults } = run;
    expect(summary.complete).toBe(true);
    // every task the board raised reached the host and ended there too
    expect(runtime.summary.records.size).toBe(vb.stats.tasksRaised);
    nothingLost(runtime);
    const { tx, rx } = faults.injected;
    for (const k of [tx.dropped, tx.corrupted, tx.duplicated, rx.dropped, rx.corrupted, rx.duplicated]) expect(k).toBeGreaterThan(5);
    // counted on both sides: a corrupted frame always fails the CRC where it lands
    expect(endpoint.stats.framesRejected).toBe(tx.corrupted);
    expect(vb.stats.link.framesRejected).toBe(rx.corrupted);
    // lost and damaged frames were sent again; repeated reliable frames were applied once
    expect(endpoint.stats.retries + vb.stats.link.retries).toBeGreaterThan(0);
    expect(endpoint.stats.duplicates + vb.stats.link.duplicates).toBeGreaterThan(0);
    expect(endpoint.stats.duplicates + vb.stats.link.duplicates).toBeLessThanOrEqual(
      tx.duplicated + rx.duplicated + endpoint.stats.retries + vb.stats.link.retries,
    );
    expect(endpoint.stats.lost).toBe(0);
    console.log(
      `faulty link: injected board->host ${JSON.stringify(tx)}, host->board ${JSON.stringify(rx)}; ` +
        `host rejected ${endpoint.stats.framesRejected}, duplicates ${endpoint.stats.duplicates}, retries ${endpoint.stats.retries}; ` +
        `board rejected ${vb.stats.link.framesRejected}, duplicates ${vb.stats.link.duplicates}, retries ${vb.stats.link.retries}; ` +
        `tasks ${runtime.summary.records.size}, open ${runtime.summary.open}`,
    );
  }, 60_000);
});

describe("a board that resets mid-run", () => {
  it("is recovered: the host rebuilds its tile view, re-issues the open tasks that can still make it, drops the rest with a reason", async () => {
    // a busy scenario (long ASR tasks) so the reset always catches tasks in flight
    const run = faultyRun("drop=0.05,corrupt=0.05,dup=0.05", { scenario: "outdoor_activity_A", seed: 3, durationMs: 700, timeScale: 0.5 });
    const { runtime, vb } = run;
    // reset once tasks are running on the board
    const until = Date.now() + 20_000;
    while (!(vb.stats.commandsApplied > 10 && runtime.summary.open > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const openAtReset = runtime.summary.open;
    expect(openAtReset).toBeGreaterThan(0);
    run.faults.noteReset();
    vb.reset("test");
    const summary = await run.end();
    expect(summary.complete).toBe(true);
    nothingLost(runtime);
    const s = runtime.summary;
    expect(s.sessions).toBe(2);
    expect(vb.stats.tasksAborted).toBeGreaterThan(0);
    // each task open at the reset was re-issued or dropped (deadline passed), none forgotten
    expect(s.reissued + s.resetDrops).toBeGreaterThanOrEqual(openAtReset - 2); // a TASK_DONE may cross the reset
    expect(s.reissued).toBeGreaterThan(0);
    // the board ran again what the host re-issued (the controller may have dropped some instead), and left nothing aborted
    expect(vb.stats.tasksReissued).toBeGreaterThan(0);
    expect(vb.stats.tasksReissued).toBeLessThanOrEqual(s.reissued);
    expect(vb.stats.tasksUnclaimed).toBe(0);
    const dropped = [...s.records.values()].filter((r) => r.dropped !== undefined).map((r) => r.dropped);
    console.log(
      `board reset: ${openAtReset} open at the reset, board aborted ${vb.stats.tasksAborted}, host re-issued ${s.reissued} ` +
        `(board ran ${vb.stats.tasksReissued} again), dropped at once ${s.resetDrops}; tasks ${s.records.size}, ` +
        `drop reasons ${JSON.stringify(Object.fromEntries(dropped.map((d) => [d, dropped.filter((x) => x === d).length])))}`,
    );
  }, 60_000);
});

describe("a board that falls silent", () => {
  it("is declared lost after 3 s, asked for a new session, and taken back when it says HELLO", async () => {
    const board = { mesh: { width: 8, height: 8, torus: false } };
    const scenario = loadScenario("VR_gaming", { seed: 4, board, durationMs: 100 });
    const [h, b] = transportPair();
    let runtime!: HostRuntime;
    const endpoint = new Endpoint(h, { side: "host", retryMs: 50, ackEpoch: () => runtime?.currentEpoch ?? 0 });
    runtime = new HostRuntime({ endpoint, policy: "isosched", models: scenario.models, seed: 4 });
    const first = new VirtualBoard({
      transport: b,
      retryMs: 50,
      boardId: "first",
      mesh: { width: 8, height: 8 },
      scenario,
      timeScale: 1,
      heartbeatMs: 200,
    });
    runtime.start();
    first.start();
    await first.finished;
    expect(runtime.summary.live).toBe(true);
    await first.stop(); // no more heartbeats: the board is gone
    const sentBefore = endpoint.stats.framesSent;
    const until = Date.now() + 6000;
    while (runtime.summary.boardLost === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(runtime.summary.boardLost).toBe(1);
    expect(runtime.summary.live).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    expect(endpoint.stats.framesSent).toBeGreaterThan(sentBefore); // HELLO_REQUEST goes out again
    const second = new VirtualBoard({
      transport: b,
      retryMs: 50,
      boardId: "second",
      mesh: { width: 8, height: 8 },
      scenario,
      timeScale: 1,
    });
    second.start();
    const back = Date.now() + 3000;
    while (!(runtime.summary.live && runtime.summary.hello?.boardId === "second") && Date.now() < back)
      await new Promise((r) => setTimeout(r, 50));
    expect(runtime.summary.hello?.boardId).toBe("second");
    expect(runtime.summary.live).toBe(true);
    await second.stop();
    runtime.stop();
    endpoint.close();
  }, 20_000);
});
