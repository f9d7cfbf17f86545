// A real simulation (the Wasm core with the synthetic models) turned into a monitor event stream,
// and a pacer that feeds it to a monitor at a given rate in wall time.
import { simulate } from "../../../host/sim/simulate.js";
import type { RuntimeEvent } from "../../../host/runtime/events.js";
import type { MonitorSink } from "../../../host/monitor/sink.js";
import type { RunLog } from "../../../host/sim/types.js";
import { MODELS, modelEntry, randomArrivals } from "../../support/synthetic.js";

export const BOARD_8X8 = { mesh: { width: 8, height: 8, torus: false } } as const;

/** Runs isosched on the 8x8 board and returns every `observe` event in order (decisions included), with a `hello` first. */
export async function simulationEvents(count: number, meanGapNs = 6000, seed = 7): Promise<{ events: RuntimeEvent[]; log: RunLog }> {
  const events: RuntimeEvent[] = [{ time: 0, hello: { board: "virtual-8x8", policy: "isosched", width: 8, height: 8 } }];
  const log = await simulate({
    policy: "isosched",
    board: BOARD_8X8,
    models: MODELS.map(modelEntry),
    arrivals: randomArrivals(seed, count, meanGapNs),
    seed,
    nsPerWork: 1,
    observe: (e) => events.push(e),
  });
  const decisions = events.filter((e) => "decision" in e).length;
  if (decisions !== log.decisionWork.length) throw new Error(`observed ${decisions} decisions, the log has ${log.decisionWork.length}`);
  return { events, log };
}

/**
 * Pushes events at `perSecond` in wall time from `from`, in small batches on a timer; resolves
 * with the index reached after `ms` (or the end). Catch-up pacing: each tick pushes what is due.
 */
export function replay(sink: MonitorSink, events: readonly RuntimeEvent[], perSecond: number, ms: number, from = 0): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let i = from;
    const timer = setInterval(() => {
      const elapsed = performance.now() - t0;
      const due = Math.min(events.length, from + Math.floor((elapsed * perSecond) / 1000));
      while (i < due) sink.push(events[i++]!);
      if (elapsed >= ms || i >= events.length) {
        clearInterval(timer);
        resolve(i);
      }
    }, 5);
  });
}
