// Protocol 2: the commands of one decision leave as one frame. The real host runtime (real Wasm
// core) and the virtual board, in this process over the in-process pair (the real codec both
// ways), run VR_gaming; every frame the host sends is decoded as it leaves and matched with the
// decisions the runtime reports.
import { describe, expect, it } from "vitest";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import type { FrameTransport } from "../../../firmware-bridge/link/transport.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { type Message, decodeFrame } from "../../../firmware-bridge/protocol/index.js";

const COMMAND_TYPES = new Set(["schedule", "resume", "preempt", "drop", "batch"]);

describe("one frame per decision", () => {
  it("sends each decision's commands as one frame (a BATCH when there are several), and the board runs them all", async () => {
    const board = { mesh: { width: 8, height: 8, torus: false } };
    const scenario = loadScenario("VR_gaming", { seed: 3, board, durationMs: 300 });
    const [h, b] = transportPair();
    const sent: Message[] = [];
    const tapped: FrameTransport = {
      get stats() {
        return h.stats;
      },
      describe: h.describe,
      onFrame: (handler) => h.onFrame(handler),
      close: () => h.close(),
      send(frame, type) {
        const r = decodeFrame(frame);
        if (r.ok && COMMAND_TYPES.has(r.message.type)) sent.push(r.message);
        h.send(frame, type);
      },
    };
    let runtime!: HostRuntime;
    const endpoint = new Endpoint(tapped, { side: "host", retryMs: 200, ackEpoch: () => runtime?.currentEpoch ?? 0 });
    runtime = new HostRuntime({ endpoint, policy: "immsched", models: scenario.models, seed: 3 });
    // commands per decision, as the runtime reports them (a decision event, then its commands)
    const perDecision: number[] = [];
    runtime.on("event", (e) => {
      if ("decision" in e) perDecision.push(0);
      else if ("command" in e) perDecision[perDecision.length - 1]!++;
    });
    const vb = new VirtualBoard({ transport: b, retryMs: 200, boardId: "batch", mesh: { width: 8, height: 8 }, scenario, timeScale: 0.25 });
    runtime.start();
    vb.start();
    const summary = await Promise.race([
      vb.finished,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the run did not finish in 20 s")), 20_000)),
    ]);
    runtime.stop();
    await vb.stop();

    const deciding = perDecision.filter((n) => n > 0);
    const batches = sent.filter((m) => m.type === "batch");
    // no retries on a clean link: every command frame sent is a first send
    expect(endpoint.stats.retries).toBe(0);
    expect(sent).toHaveLength(deciding.length);
    expect(runtime.summary.commandFrames).toBe(deciding.length);
    // the decisions with several commands are the BATCHes, command for command
    expect(batches.map((m) => (m.type === "batch" ? m.commands.length : 0))).toEqual(deciding.filter((n) => n > 1));
    expect(batches.length).toBeGreaterThan(0);
    expect(runtime.summary.commandsSent).toBe(deciding.reduce((s, n) => s + n, 0));
    // the board applied every command of every batch: all tasks ended, nothing lost
    expect(summary.link.lost).toBe(0);
    expect(runtime.summary.open).toBe(0);
    expect(runtime.invariants()).toBe(0);
  }, 30_000);
});
