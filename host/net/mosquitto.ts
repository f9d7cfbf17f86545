// A Mosquitto of our own for benchmarks and tests: loopback, a free port, and Nagle's algorithm
// off (`set_tcp_nodelay`), without which every QoS 1 round trip costs ~40 ms (docs/ARCHITECTURE.md "Real parts").

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitListening } from "./ports.js";

export interface RunningMosquitto {
  url: string;
  port: number;
  close(): void;
}

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
const BINARY = existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

/** Starts Mosquitto with no-delay sockets (plus `extraConfig` lines) and waits until it listens. */
export async function startMosquitto(extraConfig: readonly string[] = []): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "immsched-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "set_tcp_nodelay true", ...extraConfig, ""].join("\n"));
  let stderr = "";
  const child = spawn(BINARY, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (d) => (stderr += d));
  const close = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitListening(port);
  } catch (err) {
    close();
    throw new Error(`mosquitto did not start on ${port}: ${stderr || (err as Error).message}`);
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, close };
}
