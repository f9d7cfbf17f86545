// Offered load for the link benchmarks: `send(i)` for i = 0, 1, ... at `rate` per second for `ms`,
// paced by a 1 ms timer that sends whatever is due (a busy loop would take a core from the host
// under test). Resolves with how many were sent.

export function paceAt(rate: number, ms: number, send: (i: number) => void): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const end = start + ms;
    let next = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - start) / 1000) * rate);
      while (next < due) send(next++);
      if (now >= end) {
        clearInterval(timer);
        resolve(next);
      }
    }, 1);
  });
}
