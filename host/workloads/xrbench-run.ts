// What a run must do to be XRBench's own run (XRBench-MLSys2023, lib/include/heterogeneous-space-
// exploration: HET_runtime.hpp, HET_load-generator.hpp, HET_timer.hpp), on top of the frames
// host/workloads/arrivals.ts already generates (frame k at k * floor(1000 / FPS) ms, due at the
// next frame's injection, dependency, probability):
//  - its runtime acts only at its events: every base tick of floor(1000 / highest FPS) ms and every
//    completion (the xrbench policy in the core holds an idle array until then: tickNs);
//  - frames generated at the same event are all queued before it dispatches, and it dispatches in
//    alphabetical order of model name: same-time arrivals reach the core in that order;
//  - a model's latency and energy do not vary from frame to frame (MAESTRO's cost of the layers,
//    no sparsity): every frame gets the model's estimate (or the --costs figure);
//  - it stops at the event that generates the last frame, floor(700 / interval) frames per model:
//    what is still queued or running then is not counted (endNs, host/sim/metrics.ts xrbenchScore).

import type { RunLog } from "../sim/types.js";
import { framePeriodMs, type WorkloadArrival } from "./arrivals.js";
import { profileAt } from "./profiles.js";
import type { Scenario } from "./scenario.js";
import type { XrbenchNetwork } from "./xrbench.js";

const NS_PER_MS = 1e6;

/** XRBench's base tick (ns): 1000 / highest FPS in whole ms (HET_timer.hpp, integer division). */
export function xrbenchTickNs(networks: readonly XrbenchNetwork[]): number {
  return Math.floor(1000 / Math.max(...networks.map((n) => Math.floor(n.fps)))) * NS_PER_MS;
}

/** When XRBench generates its last frame, before any completion is considered (ns): the latest k * interval over models, k < floor(duration / interval). */
export function xrbenchLastFrameNs(networks: readonly XrbenchNetwork[], durationMs: number): number {
  return Math.max(
    ...networks.map((n) => {
      const p = framePeriodMs(n.fps);
      return (Math.floor(durationMs / p) - 1) * p * NS_PER_MS;
    }),
  );
}

/** XRBench's last event (ns): the first tick or completion at or after its last frame is due. */
export function xrbenchEndNs(networks: readonly XrbenchNetwork[], durationMs: number, log: RunLog): number {
  return xrbenchEndAt(xrbenchLastFrameNs(networks, durationMs), xrbenchTickNs(networks), log);
}

/** The same from the last frame's time and the tick (what a schedule trace keeps of the scenario). */
export function xrbenchEndAt(last: number, tick: number, log: RunLog): number {
  let end = Math.ceil(last / tick) * tick;
  for (const t of log.tasks) if (t.finishNs !== undefined && t.finishNs >= last && t.finishNs < end) end = t.finishNs;
  return end;
}

/** The scenario's frames as XRBench's runtime sees them: its frame costs, in its dispatch order at equal times. */
export function xrbenchArrivalsOf(s: Scenario): WorkloadArrival[] {
  const compiled = new Map(s.compiled.map((c) => [c.name, c]));
  const fixed = s.arrivals.map((a): WorkloadArrival => {
    const cm = compiled.get(a.model);
    if (!cm) return a;
    const est = profileAt(cm);
    return { ...a, profile: est.profile, isolatedNs: est.isolatedNs, isolatedEnergyPJ: est.isolatedEnergyPJ };
  });
  // stable: equal times keep their order within a model (frames in order)
  return fixed
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.arrivalNs - y.a.arrivalNs || (x.a.model < y.a.model ? -1 : x.a.model > y.a.model ? 1 : x.i - y.i))
    .map((x) => x.a);
}
