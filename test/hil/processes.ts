// Helpers of the hardware-in-the-loop suites: real processes (the immsched CLI, socat) talking over
// real links, with every process stopped when a test ends.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { BIN } from "../support/cli.js";

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export function immschedProc(args: string[]): Proc {
  return start(process.execPath, [BIN, ...args]);
}

export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 3000);
  await p.exited;
  clearTimeout(t);
}

export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A pseudo-terminal pair made by socat: bytes written to one end come out of the other. */
export async function ptyPair(dir: string): Promise<{ a: string; b: string; proc: Proc }> {
  const a = `${dir}/pty-a`;
  const b = `${dir}/pty-b`;
  const proc = start("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await waitFor(() => existsSync(a) && existsSync(b), 5000, `socat to create ${a} and ${b} (is socat installed?)`);
  return { a, b, proc };
}

export { listening } from "../../host/net/ports.js";
