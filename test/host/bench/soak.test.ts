// The soak (host/bench/soak.ts) on a short run: the real release core and the board model in
// virtual time with streamed arrivals. Every arrival must end (completed or dropped), the core's
// Wasm memory must not grow by a byte, and the board model and the soak loop must keep no state of
// ended tasks. Figures (RSS, latency drift) come from `npm run bench:soak`, not from here.
import { describe, expect, it } from "vitest";
import { runSoak } from "../../../host/bench/soak.js";
import { SpatialMachine } from "../../../firmware-bridge/board/machine.js";

describe("soak", () => {
  it("ends every arrival, with Wasm memory flat and no open task left", async () => {
    const r = await runSoak({ arrivals: 3000, rate: 200, policy: "immsched", seed: 7, samples: 3 });
    expect(r.lost).toBe(0);
    expect(r.completed + r.dropped).toBe(3000);
    expect(r.completed).toBeGreaterThan(2500);
    const wasm = r.samples.map((s) => s.wasmBytes);
    expect(new Set(wasm).size).toBe(1); // the core never grows its memory
    expect(r.samples.at(-1)!.open).toBe(0);
    expect(r.samples.map((s) => s.arrivals)).toEqual([0, 1000, 2000, 3000]);
  }, 120_000);

  it("gives the same run for the same seed (virtual time, deterministic core)", async () => {
    const a = await runSoak({ arrivals: 500, rate: 400, policy: "immsched", seed: 3 });
    const b = await runSoak({ arrivals: 500, rate: 400, policy: "immsched", seed: 3 });
    expect([b.completed, b.late, b.dropped, b.virtualSeconds, b.first.p50Work]).toEqual([
      a.completed,
      a.late,
      a.dropped,
      a.virtualSeconds,
      a.first.p50Work,
    ]);
  }, 120_000);
});

describe("the board model keeps nothing of ended tasks", () => {
  it("forgets a task's events and profile when it ends, and remembers only the last 4096 ended ids", () => {
    const m = new SpatialMachine(4);
    const pipeline = {
      stages: 1,
      stageDoneNs: [10],
      stageBusyNs: [10],
      totalNs: 10,
      beatNs: 10,
      energyPJ: 1,
      checkpointNs: 1,
      checkpointEnergyPJ: 1,
    };
    const profile = { layerNs: [10], layerEnergyPJ: [1], pipelines: new Map([[1, pipeline]]) };
    for (let id = 1; id <= 5000; id++) {
      m.admit(id, profile);
      m.apply({ kind: "place", epoch: 1, taskId: id, stages: 1, tiles: [0] }, id * 100);
      while (m.nextTime() !== Infinity) m.pop();
    }
    const inner = m as unknown as { tokens: Map<number, object>; profiles: Map<number, unknown> };
    expect(inner.tokens.size).toBe(0);
    expect(inner.profiles.size).toBe(0);
    // a command that crosses the TASK_DONE of a recent task is recognised as stale
    m.apply({ kind: "preempt", epoch: 2, taskId: 5000 }, 600_000);
    expect(m.staleCommands).toBe(1);
  });
});
