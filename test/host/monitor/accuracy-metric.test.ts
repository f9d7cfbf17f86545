// /metrics with model variants: the mean accuracy lost per completed task (immsched_accuracy_loss_points)
// follows the runtime's arrival events (their lossPoints) and the board's completions; without
// variants the gauge is absent.
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../host/monitor/metrics.js";
import { initialState, reduce } from "../../../host/monitor/state.js";
import type { RuntimeEvent } from "../../../host/runtime/events.js";

const arrival = (id: number, lossPoints?: number): RuntimeEvent => ({
  time: id,
  arrival: { id, model: "m", priority: 1, arrivalNs: id, deadlineNs: id + 1e9, ...(lossPoints !== undefined ? { lossPoints } : {}) },
});
const done = (id: number): RuntimeEvent => ({ time: id + 1000, board: { kind: "done", time: id + 1000, taskId: id, energyPJ: 1 } });

async function gauge(events: RuntimeEvent[]): Promise<string | undefined> {
  let s = initialState({}, { board: "b", policy: "immsched" });
  for (const e of events) s = reduce(s, e);
  const text = await createMetrics({ processMetrics: false }).text(s);
  return text.split("\n").find((l) => l.startsWith("immsched_accuracy_loss_points{"));
}

describe("/metrics accuracy loss", () => {
  it("is the mean over completed tasks of the points their width cost", async () => {
    const line = await gauge([arrival(1, 6.9), arrival(2, 0), arrival(3, 2.2), done(1), done(2)]);
    expect(line).toBe('immsched_accuracy_loss_points{board="b",policy="immsched"} 3.45');
  });

  it("is absent without model variants", async () => {
    expect(await gauge([arrival(1), done(1)])).toBeUndefined();
  });
});
