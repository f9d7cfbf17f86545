// Board clock alignment (PROTOCOL.md §6.4): the board's clock is never set. The host samples
// (host receive time, board time) from every frame that carries a board timestamp and estimates
// the board's clock now as the largest of b_i + (host_now - h_i) * rate over the last 16 samples:
// the sample with the least transport delay gives the largest (truest) estimate, which is the
// protocol's "minimum offset" rule extended to a board clock that runs at another rate than the
// host's (a virtual board with --time-scale, or a crystal off by some ppm). The rate is the slope
// between the oldest and newest samples once they are 50 ms of host time apart, 1 before.

export class BoardClock {
  private samples: Array<{ h: number; b: number }> = [];

  /** Host time now, ns (monotonic). */
  static hostNowNs(): number {
    return Number(process.hrtime.bigint());
  }

  sample(boardTimeNs: number, hostNs = BoardClock.hostNowNs()): void {
    this.samples.push({ h: hostNs, b: boardTimeNs });
    if (this.samples.length > 16) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  get aligned(): boolean {
    return this.samples.length > 0;
  }

  /** Board ns per host ns. */
  get rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.h - first.h < 50e6) return 1;
    const r = (last.b - first.b) / (last.h - first.h);
    return r > 0 ? r : 1;
  }

  /** The board's clock now, estimated from the host's (ns); 0 before any sample. */
  boardNowNs(hostNs = BoardClock.hostNowNs()): number {
    const rate = this.rate;
    let best = 0;
    for (const s of this.samples) best = Math.max(best, s.b + (hostNs - s.h) * rate);
    return best;
  }
}
