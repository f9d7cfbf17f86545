// Each policy's choice on small hand-built cases, checked against its formula (docs/ARCHITECTURE.md) in the
// real core. Times are ns; layer estimates are chosen so the formulas give clear answers.
import { describe, expect, it } from "vitest";
import { Controller, type ModelEntry, type PolicyName } from "../../host/core/controller.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";

const chain = (k: number) => Array.from({ length: k - 1 }, (_, i) => [i, i + 1] as [number, number]);
const model = (name: string, layers: number[], ks: number[] = [1], estOf = (k: number) => 1000 / k): ModelEntry => ({
  name,
  layerEstNs: layers,
  isolatedNs: layers.reduce((a, b) => a + b, 0),
  variants: ks.map((k) => ({ stages: k, estNs: estOf(k), edges: chain(k) })),
});

async function controller(policy: PolicyName, models: ModelEntry[], board = { mesh: { width: 4, height: 4 } }) {
  return Controller.create({ board, policy, models });
}

const started = (cmds: Command[]) => cmds.filter((c) => c.kind === "place" || c.kind === "resume").map((c) => c.taskId);
const preempted = (cmds: Command[]) => cmds.filter((c) => c.kind === "preempt").map((c) => c.taskId);
const task = (id: number, m: string, priority: number, arrivalNs: number, deadlineNs: number) => ({
  id,
  model: m,
  priority,
  arrivalNs,
  deadlineNs,
});

describe("layer-temporal policies", () => {
  const models = [model("long", [4000, 4000, 4000]), model("short", [1000, 1000]), model("mid", [3000, 3000])];

  it("fcfs runs the earliest waiting arrival when the array frees, never pre-empts", async () => {
    const c = await controller("fcfs", models);
    expect(started(c.arrival(task(1, "long", 1, 0, 1e9), 0).commands)).toEqual([1]);
    expect(c.arrival(task(2, "mid", 1, 10, 1e9), 10).commands).toEqual([]);
    expect(c.arrival(task(3, "short", 9, 20, 1e9), 20).commands).toEqual([]);
    expect(c.stageDone(1, 0, 4000, 4000).commands).toEqual([]);
    expect(started(c.taskDone(1, 12000).commands)).toEqual([2]);
  });

  it("drops a waiting task that can no longer meet its deadline, keeps one that still can", async () => {
    const c = await controller("fcfs", models);
    expect(started(c.arrival(task(1, "long", 1, 0, 1e9), 0).commands)).toEqual([1]);
    // "mid" needs 6000 ns: at 12000 with a deadline of 17000, 75% of it (4500) fits: kept and run
    c.arrival(task(2, "mid", 1, 10, 17000), 10);
    // "short" needs 2000: at 12000 with a deadline of 13000, 75% of it (1500) does not fit: dropped
    c.arrival(task(3, "short", 1, 20, 13000), 20);
    const d = c.taskDone(1, 12000).commands;
    expect(d).toContainEqual(expect.objectContaining({ kind: "drop", taskId: 3, reason: "deadline" }));
    expect(started(d)).toEqual([2]);
    expect(c.invariants()).toBe(0);
  });

  it("sjf runs the shortest estimated remaining job", async () => {
    const c = await controller("sjf", models);
    c.arrival(task(1, "long", 1, 0, 1e9), 0);
    c.arrival(task(2, "mid", 1, 10, 1e9), 10);
    c.arrival(task(3, "short", 1, 20, 1e9), 20);
    expect(started(c.taskDone(1, 12000).commands)).toEqual([3]);
  });

  it("planaria pre-empts for the largest priority / (deadline - now)", async () => {
    const c = await controller("planaria", models);
    c.arrival(task(1, "long", 1, 0, 100000), 0); // 1 / 100000
    // 1 / 200000 < 1 / 100000: stays
    expect(c.arrival(task(2, "short", 1, 0, 200000), 0).commands).toEqual([]);
    // 3 / 50000 > 1 / 100000: switch
    const d = c.arrival(task(3, "short", 3, 0, 50000), 0).commands;
    expect(preempted(d)).toEqual([1]);
    expect(started(d)).toEqual([3]);
  });

  it("prema lets a priority-9 token cross the threshold and runs the shortest candidate", async () => {
    const c = await controller("prema", models);
    c.arrival(task(1, "long", 1, 0, 1e9), 0);
    // tokens: task 1 = 1, task 2 = 3 -> threshold 3: only task 2 qualifies
    const d = c.arrival(task(2, "mid", 3, 0, 1e9), 0).commands;
    expect(preempted(d)).toEqual([1]);
    expect(started(d)).toEqual([2]);
    // task 3 (priority 9, long) raises the threshold to 9 and is the only candidate
    const e = c.arrival(task(3, "long", 9, 10, 1e9), 10).commands;
    expect(preempted(e)).toEqual([2]);
    expect(started(e)).toEqual([3]);
  });

  it("prema tokens grow with waiting time: priority * waited / isolated", async () => {
    const c = await controller("prema", models);
    c.arrival(task(1, "mid", 3, 0, 1e9), 0); // token 3, runs
    c.arrival(task(2, "long", 1, 0, 1e9), 0); // token 1, waits
    // after task 2 waited 24000 ns: token 1 + 1 * 24000 / 12000 = 3 -> both qualify at threshold 3;
    // the shorter remaining job (task 1, 3000 left) keeps the array
    expect(c.stageDone(1, 0, 3000, 24000).commands).toEqual([]);
    // task 3 (short, priority 1) arrives; candidates at threshold 3 are tasks 1 and 2 only
    expect(c.arrival(task(3, "short", 1, 24000, 1e9), 24000).commands).toEqual([]);
  });

  it("dysta picks the lowest R + beta * (U + P) and corrects R by measured layer times", async () => {
    // equal deadlines: score = (1 - beta) R + beta (deadline - now) + beta P, so the smaller R wins
    const twoLayers = [model("x", [1000, 1000]), model("y", [2500])];
    // measured as estimated: x's remaining 2000, then 1000, stays below y's 2500: x keeps the array
    let c = await controller("dysta", twoLayers);
    c.arrival(task(1, "x", 1, 0, 1e6), 0);
    expect(c.arrival(task(2, "y", 1, 0, 1e6), 0).commands).toEqual([]);
    expect(c.stageDone(1, 0, 1000, 1000).commands).toEqual([]);
    // measured 3x the estimate (denser sample): gamma = 3, x's R = 3 * 1000 > 2500 -> y runs
    c = await controller("dysta", twoLayers);
    c.arrival(task(1, "x", 1, 0, 1e6), 0);
    c.arrival(task(2, "y", 1, 0, 1e6), 0);
    const d = c.stageDone(1, 0, 3000, 3000).commands;
    expect(preempted(d)).toEqual([1]);
    expect(started(d)).toEqual([2]);
  });

  it("dysta's slack term U delays a task with a loose deadline", async () => {
    // R equal (1500 each); beta * U = 0.01 * (1e7 - 1500) vs 0.01 * (2000 - 1500): the tight one wins
    const c = await controller("dysta", [model("y", [1500])]);
    c.arrival(task(1, "y", 1, 0, 1e7), 0);
    c.arrival(task(2, "y", 1, 0, 1e7), 0);
    const tight = c.arrival(task(3, "y", 1, 0, 2000), 0).commands;
    expect(preempted(tight)).toEqual([1]);
    expect(started(tight)).toEqual([3]);
  });

  it("sdrm3 prefers urgency = min(1, R / slack) when idle times are equal", async () => {
    const c = await controller("sdrm3", models);
    c.arrival(task(1, "short", 1, 0, 1e9), 0); // urgency 2000 / 1e9 ~ 0
    const d = c.arrival(task(2, "short", 1, 0, 2500), 0).commands; // urgency 2000 / 2500 = 0.8
    expect(preempted(d)).toEqual([1]);
    expect(started(d)).toEqual([2]);
  });
});

describe("tile-spatial policies", () => {
  // on a 2x1 board, "wide" needs both tiles (only a 2-stage variant), "one" a single tile
  const board = { mesh: { width: 2, height: 1 } };
  const models = [model("wide", [1000], [2], () => 5000), model("one", [500], [1], () => 800)];

  it("hasp never pre-empts: the urgent task waits for tiles", async () => {
    const c = await controller("hasp", models, board);
    const a = c.arrival(task(1, "wide", 1, 0, 1e9), 0).commands;
    expect(a).toMatchObject([{ kind: "place", taskId: 1, stages: 2 }]);
    expect(c.arrival(task(2, "one", 9, 10, 5000), 10).commands).toEqual([]);
    const d = c.taskDone(1, 4000).commands;
    expect(d).toMatchObject([{ kind: "place", taskId: 2, stages: 1 }]);
  });

  for (const policy of ["isosched", "immsched"] as const) {
    it(`${policy} pre-empts a lower-priority task whose tiles the urgent one needs, then resumes it`, async () => {
      const c = await controller(policy, models, board);
      c.arrival(task(1, "wide", 1, 0, 1e9), 0);
      const d = c.arrival(task(2, "one", 9, 10, 5000), 10).commands;
      expect(preempted(d)).toEqual([1]);
      expect(d.at(-1)).toMatchObject({ kind: "place", taskId: 2, stages: 1 });
      expect(c.invariants()).toBe(0);
      const tiles = c.tileMap();
      expect(tiles.filter((t) => t === 2)).toHaveLength(1);
      expect(tiles.filter((t) => t === 1)).toHaveLength(0);
      // when task 2 finishes, task 1 resumes with the same variant
      expect(c.taskDone(2, 900).commands).toMatchObject([{ kind: "resume", taskId: 1, stages: 2 }]);
      expect(c.tileMap()).toEqual([1, 1]);
    });

    it(`${policy} does not pre-empt an equally urgent task`, async () => {
      const c = await controller(policy, models, board);
      c.arrival(task(1, "wide", 9, 0, 6000), 0);
      expect(c.arrival(task(2, "one", 9, 10, 100000), 10).commands).toEqual([]);
    });
  }

  it("chooses the fewest stages whose estimate fits 35% of the time left, so tiles stay free", async () => {
    const m = model("flex", [1000], [1, 2, 4], (k) => 8000 / k); // 8000, 4000, 2000 ns
    const c = await controller("isosched", [m]);
    // 35% of 12000 = 4200: k=2 (4000) fits, k=1 (8000) does not
    expect(c.arrival(task(1, "flex", 1, 0, 12000), 0).commands).toMatchObject([{ kind: "place", stages: 2 }]);
    expect(c.arrival(task(2, "flex", 1, 0, 1e9), 0).commands).toMatchObject([{ kind: "place", stages: 1 }]);
    // 35% of 7000 = 2450: only k=4 (2000) fits, though k=2 would meet the deadline itself
    expect(c.arrival(task(3, "flex", 1, 0, 7000), 0).commands).toMatchObject([{ kind: "place", stages: 4 }]);
    // no variant fits 35% of 2500 ns, but the fastest (2000) can still make it: it is used
    expect(c.arrival(task(4, "flex", 1, 0, 2500), 0).commands).toMatchObject([{ kind: "place", stages: 4 }]);
    // 1000 ns left and even 75% of the fastest (1500) would end late: hopeless, dropped at once
    expect(c.arrival(task(5, "flex", 1, 0, 1000), 0).commands).toMatchObject([{ kind: "drop", taskId: 5, reason: "deadline" }]);
    expect(c.invariants()).toBe(0);
  });

  it("drops a task that has not started by its deadline, with the reason", async () => {
    const c = await controller("hasp", models, board);
    c.arrival(task(1, "wide", 1, 0, 1e9), 0);
    c.arrival(task(2, "one", 1, 0, 3000), 0);
    expect(c.taskDone(1, 4000).commands).toMatchObject([{ kind: "drop", taskId: 2, reason: "deadline" }]);
  });

  it("drops an arrival of an unknown model", async () => {
    const c = await controller("isosched", models, board);
    expect(c.arrival(task(1, "nope", 1, 0, 1e9), 0).commands).toMatchObject([{ kind: "drop", taskId: 1, reason: "unknown-model" }]);
  });
});
