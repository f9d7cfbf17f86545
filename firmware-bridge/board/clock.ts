// The board's clock in wall time: board ns = wall ns since boot x timeScale. A time scale above 1
// runs the accelerator model faster than real time (tests, quick demos); the board still reports
// every time in its own ns, so the host sees a consistent (just faster) board.

export class BoardClock {
  private readonly bootMs: number;

  constructor(
    /** Board ns per wall ns (> 0). */
    readonly timeScale = 1,
    /** Wall clock in ms; performance.now() has µs resolution and never jumps with the system clock. */
    private readonly wallMs: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a finite number > 0, got ${timeScale}`);
    this.bootMs = wallMs();
  }

  /** Board time now (ns since boot, fractional). */
  nowNs(): number {
    return (this.wallMs() - this.bootMs) * 1e6 * this.timeScale;
  }

  /** Wall ms until the board clock reads `boardNs` (<= 0 when that time has passed). */
  wallDelayMs(boardNs: number): number {
    return boardNs / (1e6 * this.timeScale) - (this.wallMs() - this.bootMs);
  }

  /** Wall ms since boot. */
  uptimeMs(): number {
    return this.wallMs() - this.bootMs;
  }
}
