// Protocol 2: the commands of one decision leave as one frame. The real host runtime (real Wasm
// core, planaria policy) against a scripted board endpoint over the in-process pair (the real codec
// both ways): two long low-priority tasks fill the mesh, then urgent ones arrive, so one decision
// pre-empts a task and places another. Every frame the host sends is decoded as it leaves and
// matched with the decisions the runtime reports. Board times come from the frames, so the
// decisions are the same on every run.
import { describe, expect, it } from "vitest";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { boardHello, recordingSends, settle } from "../../support/scripted-board.js";

const COMMAND_TYPES = new Set(["schedule", "resume", "preempt", "drop", "batch"]);
const MS = 1e6;
describe("one frame per decision", () => {
  it("sends a decision's commands as one frame (a BATCH when there are several); the board gets them in order, ACKs once", async () => {
    const board = { mesh: { width: 8, height: 8, torus: false } };
    const scenario = loadScenario("VR_gaming", { seed: 3, board, durationMs: 100 }); // models 0..2: ES, GE, HT
    const [h, b] = transportPair();
    const { transport: tapped, sent } = recordingSends(h, (m) => COMMAND_TYPES.has(m.type));
    const endpoint = new Endpoint(tapped, { side: "host", retryMs: 10_000 });
    const runtime = new HostRuntime({ endpoint, policy: "planaria", models: scenario.models, seed: 3 });
    const perDecision: number[] = [];
    runtime.on("event", (e) => {
      if ("decision" in e) perDecision.push(0);
      else if ("command" in e) perDecision[perDecision.length - 1]!++;
    });
    const peer = new Endpoint(b, { side: "board", retryMs: 10_000 });
    const applied: string[] = [];
    peer.on("message", (m) => {
      if (m.type === "schedule" || m.type === "preempt" || m.type === "drop" || m.type === "resume") applied.push(`${m.type} ${m.taskId}`);
    });
    runtime.start();
    peer.send(boardHello("batch1", 0));
    await settle();
    const arrival = (taskId: number, modelId: number, priority: number, at: number, deadline: number) =>
      peer.send({ type: "arrival", taskId, modelId, priority, frame: 0, arrivalNs: at * MS, deadlineNs: deadline * MS });
    arrival(1, 2, 1, 1, 1000);
    arrival(2, 2, 1, 1, 1000);
    arrival(3, 0, 9, 2, 4);
    arrival(4, 1, 9, 2, 7);
    await settle();
    peer.send({ type: "task_done", taskId: 1, boardTimeNs: 50 * MS, energyPJ: 1 });
    await settle();
    runtime.stop();

    const deciding = perDecision.filter((n) => n > 0);
    const batches = sent.filter((m) => m.type === "batch");
    expect(deciding.some((n) => n > 1)).toBe(true); // the scenario does make a multi-command decision
    expect(sent).toHaveLength(deciding.length); // one frame per decision that commands anything
    expect(runtime.summary.commandFrames).toBe(deciding.length);
    expect(batches.map((m) => (m.type === "batch" ? m.commands.length : 0))).toEqual(deciding.filter((n) => n > 1));
    expect(batches[0]).toMatchObject({
      type: "batch",
      commands: [
        { type: "preempt", taskId: 1 },
        { type: "schedule", taskId: 3 },
      ],
    });
    expect(runtime.summary.commandsSent).toBe(deciding.reduce((s, n) => s + n, 0));
    // the board got every command, in the order decided, each BATCH ACKed once: nothing outstanding
    expect(applied).toEqual(
      sent.flatMap((m) => (m.type === "batch" ? m.commands : [m])).map((m) => `${m.type} ${"taskId" in m ? m.taskId : ""}`),
    );
    expect(endpoint.pending).toBe(0);
    expect(endpoint.stats.retries).toBe(0);
    expect(runtime.invariants()).toBe(0);
    endpoint.close();
    peer.close();
  });
});
