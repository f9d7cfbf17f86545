// What the board model needs to know to execute one task: its actual timing on this board for
// this sample (sparsity makes every sample differ from the controller's estimates), built by the
// host from the cost model (firmware-bridge/accelerator) when the task arrives.

export interface PipelineProfile {
  /** Stage count k of this pipeline variant. */
  stages: number;
  /** Time from start until stage i has finished its last data tile (ns), increasing. */
  stageDoneNs: number[];
  /** Busy time of each stage (ns), reported as "measured" in STAGE_DONE. */
  stageBusyNs: number[];
  /** Whole pipeline latency (ns) = stageDoneNs[k - 1]. */
  totalNs: number;
  /** Slowest stage per data tile (ns): the beat at which a pipeline reaches a stage boundary. */
  beatNs: number;
  /** Energy of a whole run (pJ). */
  energyPJ: number;
  /** Saving (or restoring) the live activations to DRAM at a pre-emption (ns, pJ). */
  checkpointNs: number;
  checkpointEnergyPJ: number;
}

export interface TaskProfile {
  /** Layer-temporal: actual ns and pJ of each layer on the whole array. */
  layerNs: number[];
  layerEnergyPJ: number[];
  /** Tile-spatial: the pipeline of each variant, by stage count. */
  pipelines: Map<number, PipelineProfile>;
}

/** One task as it arrives at the board: when, what, by when, and how it will actually run. */
export interface BoardArrival {
  id: number;
  model: string;
  frame?: number;
  /** Scenario time (ns from the workload's start). */
  arrivalNs: number;
  deadlineNs: number;
  priority: number;
  /** XRBench dependency: this task may start only after that model's task of that frame finished. */
  after?: { model: string; frame: number };
  /** Actual timing of this sample on the board. */
  profile: TaskProfile;
}
