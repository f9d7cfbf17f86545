// One small interface behind which every scheduling policy of the seed papers lives
// (TinyGo-style: each variant in its own file, this file says what a policy must answer).
//
// The controller asks a policy three things: is it layer-temporal (one task owns the whole array,
// switching at layer boundaries) or tile-spatial (tasks own disjoint tile sets); may it pre-empt;
// and, for each waiting or running task, a score: the lowest score runs (or is placed) first.
// `prepare` runs once per decision before scoring (for policies whose score depends on the whole
// set, such as PREMA's threshold); `taskFinished` lets adaptive policies (SDRM3) learn.

export abstract class Policy {
  constructor(
    /** Tile-spatial (true) or layer-temporal (false) execution. */
    public spatial: bool,
    /** May the controller stop a running task for a better one? */
    public preemptive: bool,
    /** Solver id (portfolio.ts) used to place a task on tiles (spatial policies only). */
    public solver: i32,
  ) {}

  /**
   * Elastic sizing (IMMSched's interruptible pipelines): the controller sizes each placement to
   * the load and its energy (controller.ts orderVariants), places deadline-meeting tasks first
   * (decideSpatial), and may re-size a pre-empted task when it resumes.
   * Off: the fewest tiles that meet the deadline, and a pre-empted task resumes as it was.
   */
  elastic: bool = false;

  /** Forgets what an adaptive policy learned (a new run starts). */
  reset(): void {}

  prepare(now: f64): void {}

  /** Lower runs first. */
  abstract score(slot: i32, now: f64): f64;

  taskFinished(slot: i32, now: f64, late: bool): void {}

  /** Also drop a waiting task its fastest estimate can no longer bring in on time (XRBench waits for the deadline). */
  dropsHopeless(): bool {
    return true;
  }

  /** May an idle array start a task at an arrival at `now`? (XRBench's runtime acts only at its ticks.) */
  startsAt(now: f64): bool {
    return true;
  }
}
