// What a run is made of and what it leaves behind: the shared vocabulary of the simulator, the
// metrics and the runtime.

import type { BoardArrival } from "../../firmware-bridge/board/profile.js";

/** One task (one inference of one model) as the workload hands it to a run: what the board gets, and the references of the metrics. */
export interface TaskArrival extends BoardArrival {
  /** Isolated latency on the whole array (ns): the reference of ANTT and STP. */
  isolatedNs: number;
  /** Energy of an isolated run (pJ). */
  isolatedEnergyPJ: number;
}

/** How one task ended. */
export interface TaskRecord {
  id: number;
  model: string;
  frame?: number;
  priority: number;
  arrivalNs: number;
  deadlineNs: number;
  isolatedNs: number;
  isolatedEnergyPJ: number;
  /** First time it ran. */
  startNs?: number;
  finishNs?: number;
  energyPJ?: number;
  /** Why it was dropped (a controller reason, or "dependency" when its parent frame never finished). */
  dropped?: string;
  preemptions: number;
  /** Tiles of its latest placement (0: the whole array, layer-temporal). */
  tiles?: number;
  /** Model variants on: the width it ran at, and the accuracy that cost against full width (points). */
  width?: number;
  accuracyLoss?: number;
}

export interface RunLog {
  tasks: TaskRecord[];
  /** Per arrival handed to the controller: arrival -> its commands ready (ns), queueing included. */
  arrivalToCommandNs: number[];
  /** Per decision: work units and the wall time of the call into the core (µs). */
  decisionWork: number[];
  decisionWallMicros: number[];
  /** Total energy the board spent (pJ), partial runs and checkpoints included. */
  energyPJ: number;
  /** First arrival to last event (ns). */
  spanNs: number;
  preemptions: number;
  /** Pre-empted tasks resumed on another number of tiles (notePlacement). */
  resizes: number;
  /** Model variants were on: the metrics include accuracyLoss. */
  modelVariants?: boolean;
}
