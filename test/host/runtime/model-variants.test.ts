// Model variants over the wire: the real host runtime and the virtual board in this process (the
// real codecs and endpoints): the host picks each task's width at its ARRIVAL and sends VARIANT,
// the board runs that width (the energy each narrowed task reports is its sample's at that width),
// and the run reports accuracyLoss. A board that does not announce model variants is refused.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { Endpoint } from "../../../firmware-bridge/link/endpoint.js";
import { VirtualBoard } from "../../../firmware-bridge/board/virtual-board.js";
import type { BoardArrival } from "../../../firmware-bridge/board/profile.js";
import { HostRuntime } from "../../../host/runtime/host-runtime.js";
import { computeMetrics } from "../../../host/sim/metrics.js";
import type { WorkloadArrival } from "../../../host/workloads/arrivals.js";
import { variantModelName } from "../../../host/workloads/model-variants.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { variantProfileOf } from "../../../host/workloads/variant-table.js";

const board8x8 = { mesh: { width: 8, height: 8, torus: false } };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A burst: twelve GE_FBNet_C tasks raised at once, due 3, 6, 9, ... ms later. The selector sees the
 * backlog of those before each one, so some must run narrower to make their deadline, and since
 * it picks the widest width that still makes it, those finish too (whatever the machine's load:
 * the choice depends on board time, not wall time).
 */
function burstScenario(): string {
  const dir = mkdtempSync(join(tmpdir(), "immsched-variants-wire-"));
  dirs.push(dir);
  const file = join(dir, "burst.json");
  const arrivals = Array.from({ length: 12 }, (_, k) => ({ t_ms: 0, model: "GE_FBNet_C", deadline_ms: 3 * (k + 1), sample: 100 + k }));
  writeFileSync(file, JSON.stringify({ version: 1, models: ["GE_FBNet_C"], arrivals }));
  return file;
}

function inProcessRun(boardKnowsVariants: boolean) {
  const scenario = loadScenario(burstScenario(), { seed: 3, board: board8x8, modelVariants: true });
  const table = scenario.modelVariants!;
  const [h, b] = transportPair();
  let runtime!: HostRuntime;
  const endpoint = new Endpoint(h, { side: "host", retryMs: 50, ackEpoch: () => runtime?.currentEpoch ?? 0 });
  // fcfs: layer by layer, never pre-empted, so a finished task's energy is its profile's whole
  runtime = new HostRuntime({ endpoint, policy: "fcfs", models: scenario.models, seed: 3, modelVariants: { choices: table.choices } });
  const vb = new VirtualBoard({
    transport: b,
    retryMs: 50,
    boardId: "variants",
    mesh: { width: 8, height: 8 },
    scenario,
    timeScale: 0.05,
    ...(boardKnowsVariants
      ? { variantProfile: (a: BoardArrival, model: string) => variantProfileOf(table, model, (a as WorkloadArrival).sample) }
      : {}),
  });
  runtime.start();
  vb.start();
  const end = async (finished: Promise<unknown>) => {
    await Promise.race([
      finished,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the run did not finish in 60 s")), 60_000)),
    ]);
    await new Promise((r) => setTimeout(r, 100));
    runtime.stop();
    vb.stop();
    endpoint.close();
  };
  return { scenario, runtime, vb, end };
}

describe("model variants over the wire", () => {
  it("the board runs the width the host chose; the run reports the accuracy it cost", async () => {
    const { scenario, runtime, vb, end } = inProcessRun(true);
    await end(vb.finished);
    expect(runtime.summary.refused).toBeUndefined();
    const records = [...runtime.summary.records.values()];
    expect(records.length).toBe(scenario.arrivals.length);
    expect(records.every((r) => r.width !== undefined)).toBe(true);
    const byId = new Map(scenario.arrivals.map((a) => [a.id, a]));
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    let narrowedDone = 0;
    for (const r of records) {
      if (r.finishNs === undefined || r.width === 1) continue;
      narrowedDone++;
      const a = byId.get(r.id)!;
      const variant = variantProfileOf(scenario.modelVariants!, variantModelName(r.model, r.width!), a.sample)!;
      expect(r.energyPJ! / sum(variant.layerEnergyPJ), `task ${r.id}`).toBeCloseTo(1, 9);
      expect(r.energyPJ! / sum(a.profile.layerEnergyPJ)).toBeLessThan(0.9); // not the full width's
    }
    console.log(`model variants over the wire: ${narrowedDone} narrowed tasks finished of ${records.length}`);
    expect(narrowedDone).toBeGreaterThan(0);
    expect(vb.stats.unknownCommands).toBe(0); // every VARIANT was applied
    const m = computeMetrics(runtime.runLog());
    expect(m.accuracyLoss).toBeGreaterThan(0);
  }, 90_000);

  it("a board that does not announce model variants is refused, with the reason", async () => {
    const { runtime, end } = inProcessRun(false);
    const refused = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (runtime.summary.refused !== undefined) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    await end(refused);
    expect(runtime.summary.refused).toMatch(/board variants does not announce model variants \(HELLO flag bit 3/);
    expect(runtime.summary.commandsSent).toBe(0);
  }, 90_000);
});
