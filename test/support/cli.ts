// Runs the real `immsched` command (bin/immsched.js) in a child process.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/immsched.js", import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function immsched(args: string[], input?: string, timeout = 60_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", input, timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
