// The host runtime as a fleet host runs it (host/fleet/board-session.ts): every session's epochs
// start at the fencing base it is given (the HELLO's ACK carries it), and a task this host dropped
// that the board announces again after a new session (the DROP was lost with the old session) is
// dropped again, not ignored as known. Real Wasm core, a scripted board endpoint over the
// in-process pair (the real codec both ways).
import { describe, expect, it } from "vitest";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import type { CommandMessage } from "../../../firmware-bridge/protocol/index.js";
import { boardHello, recordingSends, settle } from "../../support/scripted-board.js";

const MS = 1e6;
describe("host runtime in a fleet", () => {
  it("offsets each session's epochs by its fencing base, and drops again a dropped task the board announces again", async () => {
    const scenario = loadScenario("VR_gaming", { seed: 3, board: { mesh: { width: 8, height: 8, torus: false } }, durationMs: 100 });
    const [h, b] = transportPair();
    // every frame the host sends, in order, as the board receives it
    const { transport: tapped, sent } = recordingSends(h);
    let runtime: HostRuntime | undefined;
    // as board-session.ts: the ACKs carry the runtime's epoch
    const endpoint = new Endpoint(tapped, { side: "host", retryMs: 10_000, ackEpoch: () => runtime?.currentEpoch ?? 0 });
    const bases: number[] = [];
    runtime = new HostRuntime({
      endpoint,
      policy: "immsched",
      models: scenario.models,
      seed: 3,
      resyncOpenTasks: true,
      // the lease's base is 500; later sessions go on above the last epoch used
      sessionEpoch: (last) => {
        bases.push(Math.max(500, last + 1));
        return bases.at(-1)!;
      },
    });
    const peer = new Endpoint(b, { side: "board", retryMs: 10_000 });
    runtime.start();

    peer.send(boardHello("fleet1", 0));
    await settle();
    const ackOf = (from: number) => sent.slice(from).find((m) => m.type === "ack");
    expect(ackOf(0)).toMatchObject({ type: "ack", epoch: 500 });
    // task 1 is placed, task 2 (a model the host does not know) is dropped
    peer.send({ type: "arrival", taskId: 1, modelId: 0, priority: 1, frame: 0, arrivalNs: 1 * MS, deadlineNs: 100 * MS });
    peer.send({ type: "arrival", taskId: 2, modelId: 99, priority: 1, frame: 0, arrivalNs: 1 * MS, deadlineNs: 100 * MS });
    await settle();
    const commands = (from: number) =>
      sent
        .slice(from)
        .flatMap((m) => (m.type === "batch" ? m.commands : m.type === "schedule" || m.type === "drop" ? [m] : []))
        .filter((c): c is CommandMessage => c.type !== "variant");
    const first = commands(0);
    expect(first.map((c) => `${c.type} ${c.taskId}`)).toEqual(["schedule 1", "drop 2"]);
    for (const c of first) expect(c.epoch).toBeGreaterThanOrEqual(500);

    // a new session (the old one's frames were lost): the board announces both tasks again
    const mark = sent.length;
    peer.send(boardHello("fleet1", 5 * MS));
    await settle();
    const second = bases.at(-1)!;
    expect(bases).toHaveLength(2);
    expect(second).toBeGreaterThan(Math.max(...first.map((c) => c.epoch)));
    expect(ackOf(mark)).toMatchObject({ type: "ack", epoch: second });
    peer.send({ type: "arrival", taskId: 1, modelId: 0, priority: 1, frame: 0, arrivalNs: 1 * MS, deadlineNs: 100 * MS });
    peer.send({ type: "arrival", taskId: 2, modelId: 99, priority: 1, frame: 0, arrivalNs: 1 * MS, deadlineNs: 100 * MS });
    await settle();
    const again = commands(mark);
    expect(again.map((c) => `${c.type} ${c.taskId}`)).toEqual(["schedule 1", "drop 2"]);
    for (const c of again) expect(c.epoch).toBeGreaterThanOrEqual(second);
    expect(runtime.summary.records.get(2)?.dropped).toBe("unknown-model");
    runtime.stop();
  });

  it("keeps the session through a silence its link's retries cover (a broker node failover), and ends it when a command is given up", async () => {
    const scenario = loadScenario("VR_gaming", { seed: 3, board: { mesh: { width: 8, height: 8, torus: false } }, durationMs: 100 });
    const [h, b] = transportPair();
    const { transport: tapped, sent } = recordingSends(h);
    // a short retry horizon here (2 x 300 ms); the fleet's is 16 x 1 s (link/retry.ts)
    const endpoint = new Endpoint(tapped, { side: "host", retryMs: 300, maxAttempts: 2 });
    const runtime = new HostRuntime({
      endpoint,
      policy: "immsched",
      models: scenario.models,
      seed: 3,
      resyncOpenTasks: true,
      boardLostAfterMs: 10_000,
    });
    const peer = new Endpoint(b, { side: "board", retryMs: 10_000 });
    runtime.start();
    peer.send(boardHello("fleet1", 0));
    await settle();
    expect(runtime.summary.live).toBe(true);
    const requests = () => sent.filter((m) => m.type === "hello_request").length;
    const asked = requests(); // before the HELLO
    // the board is silent for longer than BOARD_LOST_AFTER_MS (3 s): its link is reconnecting
    await new Promise((r) => setTimeout(r, 3500));
    expect(requests()).toBe(asked);
    expect(runtime.summary).toMatchObject({ live: true, boardLost: 0 });
    // a command the link gives up on (the board never ACKs it) ends the session at once
    peer.send({ type: "arrival", taskId: 1, modelId: 0, priority: 1, frame: 0, arrivalNs: 1 * MS, deadlineNs: 100 * MS });
    peer.close(); // the ARRIVAL is on its way; the board hears nothing more
    await settle();
    expect(sent.some((m) => m.type === "batch" || m.type === "schedule")).toBe(true);
    await expect.poll(() => runtime.summary.boardLost, { timeout: 3000 }).toBe(1);
    expect(runtime.summary.live).toBe(false);
    expect(requests()).toBeGreaterThan(asked);
    runtime.stop();
  });
});
