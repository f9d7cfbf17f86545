// IMMSched's elastic sizing in the real core (controller.ts orderVariants, decideSpatial): the
// least-energy variant within the task's share of the board, deadline-meeting tasks placed
// before late ones, pre-empted tasks resumed on another size; and the ablation that turns it off.
import { describe, expect, it } from "vitest";
import { Controller, type ModelEntry, type PolicyName } from "../../host/core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";
import { simulate } from "../../host/sim/simulate.js";
import { loadScenario } from "../../host/workloads/scenario.js";

const chain = (k: number) => Array.from({ length: k - 1 }, (_, i) => [i, i + 1] as [number, number]);
const variant = (stages: number, estNs: number, energyPJ: number) => ({ stages, estNs, energyPJ, edges: chain(stages) });
const model = (name: string, variants: ModelEntry["variants"]): ModelEntry => ({
  name,
  layerEstNs: [variants[0]!.estNs],
  isolatedNs: variants[0]!.estNs,
  variants,
});
const task = (id: number, m: string, priority: number, arrivalNs: number, deadlineNs: number) => ({
  id,
  model: m,
  priority,
  arrivalNs,
  deadlineNs,
});
const placed = (cmds: Command[]) => cmds.filter((c) => c.kind === "place").map((c) => (c.kind === "place" ? [c.taskId, c.stages] : []));

async function controller(policy: PolicyName, models: ModelEntry[], width: number, height: number, fixedSizing = false) {
  return Controller.create({ board: { mesh: { width, height } }, policy, models, fixedSizing });
}

// every variant meets the deadlines below; the 4-tile pipeline spends the least energy
const flex = model("flex", [variant(1, 8000, 10e6), variant(2, 4000, 6e6), variant(4, 2000, 5e6)]);

describe("elastic sizing (immsched)", () => {
  it("takes the least-energy variant within its share of the board; the share shrinks as tasks pile up", async () => {
    const c = await controller("immsched", [flex], 4, 4);
    // share = 16 tiles / (tasks wanting tiles + 1): 8, 5, 4 -> the 4-tile variant; then 3 -> the 2-tile one
    const sizes = [1, 2, 3, 4].map((id) => placed(c.arrival(task(id, "flex", 1, 0, 1e9), 0).commands));
    expect(sizes).toEqual([[[1, 4]], [[2, 4]], [[3, 4]], [[4, 2]]]);
    expect(c.invariants()).toBe(0);
  });

  it("isosched, and immsched with fixed sizing, take the fewest tiles that meet the deadline", async () => {
    for (const [policy, fixed] of [
      ["isosched", false],
      ["immsched", true],
    ] as const) {
      const c = await controller(policy, [flex], 4, 4, fixed);
      expect(placed(c.arrival(task(1, "flex", 1, 0, 1e9), 0).commands), `${policy} fixed=${fixed}`).toEqual([[1, 1]]);
    }
  });

  it("gives free tiles to a task that can still meet its deadline before one that cannot", async () => {
    // one tile; "hog" holds it at high priority; "slow" (5,000 ns) arrives with 4,790 ns left,
    // "quick" (800 ns) with a later deadline
    const models = [model("hog", [variant(1, 800, 1e6)]), model("slow", [variant(1, 5000, 1e6)]), model("quick", [variant(1, 800, 1e6)])];
    const run = async (policy: PolicyName) => {
      const c = await controller(policy, models, 1, 1);
      c.arrival(task(1, "hog", 9, 0, 1e9), 0);
      c.arrival(task(2, "slow", 1, 10, 4800), 10);
      c.arrival(task(3, "quick", 1, 20, 20_000), 20);
      // at 800 "slow" has 4,000 ns left: not hopeless (75% of 5,000 fits) but its run would end late
      return placed(c.taskDone(1, 800).commands);
    };
    expect(await run("isosched")).toEqual([[2, 1]]); // earliest deadline first, though it will be late
    expect(await run("immsched")).toEqual([[3, 1]]); // the one that meets its deadline first
  });

  it("resumes pre-empted tasks on another number of tiles under load, and counts it", async () => {
    const scenario = loadScenario("dysta", { seed: 1, rate: 400, board: { mesh: { width: 8, height: 8, torus: false } } });
    const logs = new Map<string, Awaited<ReturnType<typeof simulate>>>();
    for (const policy of ["isosched", "immsched"] as const) {
      logs.set(
        policy,
        await simulate({
          policy,
          board: { mesh: { width: 8, height: 8 } },
          models: scenario.models,
          arrivals: scenario.arrivals,
          seed: 1,
          nsPerWork: 5,
        }),
      );
    }
    const imm = logs.get("immsched")!;
    expect(imm.preemptions).toBeGreaterThan(0);
    expect(imm.resizes).toBeGreaterThan(0);
    expect(imm.resizes).toBeLessThanOrEqual(imm.preemptions);
    expect(logs.get("isosched")!.resizes).toBe(0); // fixed sizing resumes a task as it was
  });
});
