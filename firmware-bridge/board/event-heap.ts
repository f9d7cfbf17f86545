// A binary min-heap keyed by (time, insertion order): the event queue of the simulator and the
// board model. Equal times pop in the order they were pushed, so runs are deterministic.

export class EventHeap<T> {
  private items: Array<{ time: number; seq: number; value: T }> = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, value: T): void {
    const a = this.items;
    a.push({ time, seq: this.seq++, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  peekTime(): number {
    return this.items.length ? this.items[0]!.time : Infinity;
  }

  peek(): { time: number; value: T } | undefined {
    const top = this.items[0];
    return top && { time: top.time, value: top.value };
  }

  pop(): { time: number; value: T } | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return { time: top.time, value: top.value };
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i]!;
    const b = this.items[j]!;
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }
}
