// Small TCP helpers for the tools that start brokers and servers on loopback (benchmarks, tests).

import { type Server, createConnection, createServer } from "node:net";

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

/**
 * `n` distinct TCP ports on 127.0.0.1 that were free a moment ago: each is held open until all are
 * picked, so the OS cannot hand one out twice (n calls of freePort can, and a NATS node then found
 * its MQTT port taken by another node's route port).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === "object" && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
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
