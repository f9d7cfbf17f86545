// Small TCP helpers for the tools that start brokers and servers on loopback (benchmarks, tests).

import { createConnection, createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** Is something listening on host:port? */
export function listening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

/** Waits until something listens on port (a broker just spawned), or throws after `ms`. */
export async function waitListening(port: number, ms = 5000, host = "127.0.0.1"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await listening(port, host))) {
    if (Date.now() > end) throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
