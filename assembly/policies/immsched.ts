// IMMSched: as IsoSched (tile-spatial, pre-emptive, most urgent first), but placements come from
// the quantized multi-particle solver over Ullmann's relaxation, with the exact search as fallback,
// and pipelines are elastic (controller.ts orderVariants, decideSpatial): each placement takes the
// least-energy pipeline that meets its deadline within its share of the board (the whole mesh when
// that is cheapest and the board is idle), tasks that can meet their deadline get tiles before
// late ones, and a task pre-empted for an urgent one may come back on more or fewer tiles.

import { Policy } from "./policy";
import { urgencyScore } from "./urgency";
import { SOLVER_AUTO } from "../portfolio";
import { psoConfigure, DEFAULT_PARTICLES } from "../particles/swarm";

/**
 * Particle iterations spent on placement quality after the first valid placement (bounded in
 * practice by the portfolio's particle slice): leaving the free tiles compact lets later arrivals
 * in (measurements: docs/MEASUREMENTS.md "Placement quality").
 */
export const IMMSCHED_POLISH: i32 = 4;

export class ImmSched extends Policy {
  constructor() {
    super(true, true, SOLVER_AUTO);
    this.elastic = true;
  }
  reset(): void {
    this.elastic = true; // an ablation (controllerFixedSizing) turns it off for one run
    psoConfigure(DEFAULT_PARTICLES, IMMSCHED_POLISH);
  }
  score(slot: i32, now: f64): f64 {
    return urgencyScore(slot);
  }
}
