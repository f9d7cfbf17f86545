// The global controller in the real release Wasm, driven through the simulator with the board
// model: invariants under random event sequences for every policy.
import { describe, expect, it } from "vitest";
import { POLICIES, SPATIAL_POLICIES } from "../../host/core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";
import { simulate } from "../../host/sim/simulate.js";
import { MODELS, modelEntry, randomArrivals } from "../support/synthetic.js";

const board = { mesh: { width: 4, height: 4 } } as const;

describe("global controller invariants under random arrivals", () => {
  for (const policy of POLICIES) {
    it(`${policy}: no tile owned twice, epochs increase, every arrival completes or is dropped with a reason`, async () => {
      for (const seed of [1, 2, 3]) {
        const commands: Command[] = [];
        const log = await simulate({
          policy,
          board,
          models: MODELS.map(modelEntry),
          arrivals: randomArrivals(seed, 150, 8000),
          seed,
          nsPerWork: 2,
          checkInvariants: true, // the core checks ownership, the free mask and the array after every event
          observe: (e) => {
            if ("command" in e) commands.push(e.command);
          },
        });
        // epochs strictly increase over the whole run
        for (let i = 1; i < commands.length; i++) expect(commands[i]!.epoch).toBeGreaterThan(commands[i - 1]!.epoch);
        // every arrival ends completed or dropped with a reason; none is lost
        for (const t of log.tasks) {
          const completed = t.finishNs !== undefined;
          expect(completed !== (t.dropped !== undefined), `task ${t.id} ${JSON.stringify(t)}`).toBe(true);
          if (t.dropped) expect(["deadline", "queue-full", "unplaceable", "unknown-model", "dependency"]).toContain(t.dropped);
          if (completed) expect(t.finishNs!).toBeGreaterThanOrEqual(t.startNs!);
        }
        // the load is heavy enough that something completes and something has to wait
        expect(log.tasks.filter((t) => t.finishNs !== undefined).length).toBeGreaterThan(30);
        if (SPATIAL_POLICIES.has(policy)) {
          const places = commands.filter((c) => c.kind === "place" || c.kind === "resume");
          for (const c of places) if (c.kind === "place" || c.kind === "resume") expect(new Set(c.tiles).size).toBe(c.tiles.length);
        }
        if (policy === "fcfs" || policy === "sjf" || policy === "hasp") expect(log.preemptions).toBe(0);
      }
    });
  }
});

describe("global controller memory", () => {
  it("never grows its memory over thousands of decisions (fixed buffers only)", async () => {
    const { Controller } = await import("../../host/core/controller.js");
    for (const policy of ["dysta", "immsched"] as const) {
      const c = await Controller.create({ board: { mesh: { width: 8, height: 8 } }, policy, models: MODELS.map(modelEntry), seed: 5 });
      const bytes = c.memoryBytes;
      let now = 0;
      const running: number[] = [];
      for (let id = 1; id <= 3000; id++) {
        now += 5000;
        const d = c.arrival(
          { id, model: MODELS[id % MODELS.length]!.name, priority: [1, 3, 9][id % 3]!, arrivalNs: now, deadlineNs: now + 200_000 },
          now,
        );
        for (const cmd of d.commands) if (cmd.kind === "place" || cmd.kind === "resume") running.push(cmd.taskId);
        // finish the oldest running task now and then, so the tables turn over
        if (id % 2 === 0 && running.length) {
          const done = running.shift()!;
          for (const cmd of c.taskDone(done, now + 1).commands) if (cmd.kind === "place" || cmd.kind === "resume") running.push(cmd.taskId);
        }
      }
      expect(c.invariants()).toBe(0);
      expect(c.memoryBytes).toBe(bytes);
    }
  });
});
