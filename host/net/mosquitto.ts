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
  /**
   * Stops the broker (SIGKILL by default: a crash; SIGTERM: an orderly stop, which saves a
   * persistent broker's sessions), waits `downMs` and starts it again on the same port (tests).
   */
  restart(downMs: number, signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
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
  const launch = () => {
    const c = spawn(BINARY, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    c.stderr!.on("data", (d) => (stderr += d));
    return c;
  };
  let child = launch();
  const close = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const up = async () => {
    try {
      await waitListening(port);
    } catch (err) {
      close();
      throw new Error(`mosquitto did not start on ${port}: ${stderr || (err as Error).message}`);
    }
  };
  await up();
  const restart = async (downMs: number, signal: "SIGKILL" | "SIGTERM" = "SIGKILL") => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
    await new Promise((r) => setTimeout(r, downMs));
    child = launch();
    await up();
  };
  return { url: `mqtt://127.0.0.1:${port}`, port, close, restart };
}
