// Board clock alignment (PROTOCOL.md §6.4): the board's clock is never set; the host keeps, as the
// offset host - board, the minimum of the last 16 samples (host receive time - board time), since
// the sample with the least transport delay is the truest and a window follows drift.

export class BoardClock {
  private samples: number[] = [];
  private offset: number | undefined;

  /** Host time now, ns (monotonic). */
  static hostNowNs(): number {
    return Number(process.hrtime.bigint());
  }

  sample(boardTimeNs: number, hostNs = BoardClock.hostNowNs()): void {
    this.samples.push(hostNs - boardTimeNs);
    if (this.samples.length > 16) this.samples.shift();
    this.offset = Math.min(...this.samples);
  }

  reset(): void {
    this.samples = [];
    this.offset = undefined;
  }

  get aligned(): boolean {
    return this.offset !== undefined;
  }

  /** The board's clock now, estimated from the host's (ns). */
  boardNowNs(hostNs = BoardClock.hostNowNs()): number {
    return this.offset === undefined ? 0 : hostNs - this.offset;
  }
}
