// A scenario's arrivals as a stream, generated as a run consumes them: a run that lasts as long as
// it is left running (a board host, `immsched run --duration 3600`) raises the scenario's periodic
// streams at their rates without holding the whole run in memory. The generators are those of the
// bench (arrivals.ts XrbenchFrames, DystaStream): over the same window a stream yields exactly the
// arrivals `loadScenario(..., {durationMs})` materializes, with the same ids, so the board and the
// bench agree.

import type { ArrivalSpec, WorkloadArrival } from "./arrivals.js";
import { materialize } from "./arrivals.js";
import type { CompiledModel } from "./profiles.js";

/** The specs injected before endNs not returned by an earlier call, in generation order. */
export type SpecSource = (endNs: number) => ArrivalSpec[];

/** Scenario time generated (and sampled) per step: small enough to stay ahead of the board cheaply. */
export const STREAM_STEP_NS = 100e6;

/**
 * Arrivals of [0, windowNs) (Infinity: no end), sorted by time with ids 1, 2, ... as materialize
 * numbers them: steps cut the window at fixed times, and materialize's order (time, then
 * generation order) never crosses a cut. Each arrival's profile is sampled only when it is read
 * (a sample costs the cost model's work, about a millisecond here: a step's worth at once would
 * stall a board in the same process).
 */
export function* streamArrivals(
  next: SpecSource,
  compiled: ReadonlyMap<string, CompiledModel>,
  windowNs: number,
): Generator<WorkloadArrival, void, undefined> {
  let id = 1;
  for (let end = STREAM_STEP_NS; ; end += STREAM_STEP_NS) {
    const until = Math.min(end, windowNs);
    const specs = next(until);
    const order = specs.map((spec, i) => ({ spec, i })).sort((a, b) => a.spec.tNs - b.spec.tNs || a.i - b.i);
    for (const { spec } of order) yield materialize([spec], compiled, id++)[0]!;
    if (until >= windowNs) return;
  }
}
