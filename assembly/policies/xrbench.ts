// XRBench's own scheduler (Kwon et al., MLSys 2023; XRBench-MLSys2023 HET_runtime.hpp), kept as a
// reference to check the engine against, not as a competitor. Layer-temporal on the one array,
// never pre-emptive. Its runtime acts only at its events (every base tick, floor(1000 / highest
// FPS) ms, and every completion); at each it drops the frames whose deadline has passed and, when
// the accelerator is idle, dispatches the oldest ready frame of the first model in alphabetical
// order of name (its request queues are a std::map keyed by name). The host loads the models in
// that order (host/core/controller.ts), so the lowest model id is the first name, and the frame
// sequence keeps each model's frames in order.

import { Policy } from "./policy";
import { taskModel, taskSeq } from "../controller/tasks";

/**
 * How far after a tick an arrival still counts as on it (ns): the host may charge the core's
 * decision time before the event reaches it (bench: a few hundred ns), far below XRBench's 1 ms ticks.
 */
const TICK_TOLERANCE_NS: f64 = 10000;

/** XRBench's base tick (ns); 0: every arrival is an event. Set by the host (xrbenchTick). */
let tickNs: f64 = 0;

export function setXrbenchTick(ns: f64): void {
  tickNs = ns > 0 ? ns : 0;
}

export class Xrbench extends Policy {
  constructor() {
    super(false, false, 0);
  }
  score(slot: i32, now: f64): f64 {
    // model first (ids are in name order), then arrival order: 2^32 frames per model at most
    return <f64>unchecked(taskModel[slot]) * 4294967296.0 + <f64>unchecked(taskSeq[slot]);
  }
  dropsHopeless(): bool {
    return false;
  }
  startsAt(now: f64): bool {
    if (tickNs == 0) return true;
    return now - Math.floor(now / tickNs) * tickNs <= TICK_TOLERANCE_NS;
  }
}
