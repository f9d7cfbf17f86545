// A link that loses, corrupts and repeats frames between the real host runtime and the virtual
// board (both in this process, the real codec and endpoints on each side; only the fault injection
// is made up, since a noisy cable cannot be ordered here). The run must survive: every task ends,
// the faults are counted, nothing throws, the controller stays consistent.
import { describe, expect, it } from "vitest";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import type { FrameTransport } from "../../../firmware-bridge/link/transport.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { mulberry32 } from "../../../host/workloads/random.js";
import type { MessageType } from "../../../firmware-bridge/protocol/index.js";

/** Wraps a transport: each frame sent is dropped, corrupted (one byte flipped) or sent twice. */
function faulty(
  inner: FrameTransport,
  seed: number,
  p: { drop: number; corrupt: number; repeat: number },
): FrameTransport & { injected: { drop: number; corrupt: number; repeat: number } } {
  const rand = mulberry32(seed);
  const injected = { drop: 0, corrupt: 0, repeat: 0 };
  return {
    injected,
    get stats() {
      return inner.stats;
    },
    describe: `faulty ${inner.describe}`,
    onFrame: (h) => inner.onFrame(h),
    close: () => inner.close(),
    send(frame: Uint8Array, type: MessageType) {
      const r = rand();
      if (r < p.drop) {
        injected.drop++;
        return;
      }
      if (r < p.drop + p.corrupt) {
        injected.corrupt++;
        const bad = frame.slice();
        const at = Math.floor(rand() * bad.length);
        bad[at] = bad[at]! ^ (1 + Math.floor(rand() * 255));
        inner.send(bad, type);
        return;
      }
      inner.send(frame, type);
      if (r < p.drop + p.corrupt + p.repeat) {
        injected.repeat++;
        inner.send(frame, type);
      }
    },
  };
}

describe("a faulty link", () => {
  it("loses, corrupts and repeats frames both ways: every task still ends, faults are counted", async () => {
    const board = { mesh: { width: 8, height: 8, torus: false } };
    const scenario = loadScenario("VR_gaming", { seed: 2, board, durationMs: 250 });
    const [h, b] = transportPair();
    const faults = { drop: 0.05, corrupt: 0.03, repeat: 0.03 };
    const hostLink = faulty(h, 1, faults);
    const boardLink = faulty(b, 2, faults);
    let runtime!: HostRuntime;
    const endpoint = new Endpoint(hostLink, { side: "host", retryMs: 20, ackEpoch: () => runtime?.currentEpoch ?? 0 });
    runtime = new HostRuntime({ endpoint, policy: "immsched", models: scenario.models, seed: 2 });
    const vb = new VirtualBoard({
      transport: boardLink,
      retryMs: 20,
      boardId: "faulty",
      mesh: { width: 8, height: 8 },
      scenario,
      timeScale: 0.25,
    });
    runtime.start();
    vb.start();
    const summary = await Promise.race([
      vb.finished,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the run did not finish in 20 s")), 20_000)),
    ]);
    runtime.stop();
    await vb.stop();
    endpoint.close();

    expect(summary.complete).toBe(true);
    // every task the board raised reached the host and ended there too
    expect(runtime.summary.records.size).toBe(vb.stats.tasksRaised);
    expect(runtime.summary.open).toBe(0);
    for (const r of runtime.summary.records.values()) expect(r.finishNs !== undefined || r.dropped !== undefined).toBe(true);
    // the faults happened and were survived by the protocol
    expect(hostLink.injected.drop + boardLink.injected.drop).toBeGreaterThan(10);
    expect(endpoint.stats.framesRejected).toBeGreaterThan(0); // corrupted frames fail the CRC
    expect(endpoint.stats.retries + vb.stats.link.retries).toBeGreaterThan(0);
    expect(endpoint.stats.duplicates + vb.stats.link.duplicates).toBeGreaterThan(0);
    expect(runtime.invariants()).toBe(0);
  }, 30_000);
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
