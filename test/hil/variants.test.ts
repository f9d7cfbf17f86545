// Model variants in the loop: `immsched run --variants` in its own process against `immsched board
// --variants` in another, over a socat pty: the host sends VARIANT, the board runs the narrowed
// widths, the summary reports the accuracy they cost. And a board started without --variants (it
// does not announce model variants in its HELLO) is refused by name, exit 1.
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immschedProc, ptyPair, stop, type Proc } from "./processes.js";
import { lacksCommand } from "../support/requires.js";
import { writeDystaOverload } from "../support/dysta-overload.js";

const NO_SOCAT = lacksCommand("socat", "socat", "model variants over a serial pty");
let procs: Proc[] = [];
let dir = "";
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("model variants in the loop", () => {
  it.skipIf(NO_SOCAT)(
    "run --variants against board --variants over a pty: narrowed tasks, accuracyLoss in the summary, nothing lost",
    async () => {
      dir = mkdtempSync(join(tmpdir(), "immsched-variants-hil-"));
      const scenario = writeDystaOverload(dir);
      const pty = await ptyPair(dir);
      procs.push(pty.proc);
      const board = immschedProc(["board", "--serial", pty.b, "--scenario", scenario, "--variants", "--time-scale", "0.05", "--quiet"]);
      procs.push(board);
      const json = join(dir, "run.json");
      const host = immschedProc(["run", "--board", `serial:${pty.a}`, "--scenario", scenario, "--variants", "--json", json, "--quiet"]);
      procs.push(host);
      await Promise.race([board.exited, host.exited]);
      host.child.kill("SIGTERM");
      const code = await host.exited;
      expect(code, `host stderr: ${host.stderr()}\nstdout: ${host.stdout()}`).toBe(0);
      const out = JSON.parse(readFileSync(json, "utf8"));
      expect(out.tasks.arrived).toBeGreaterThan(50);
      expect(out.tasks.lost).toBe(0);
      expect(out.link.framesRejected).toBe(0);
      expect(out.metrics.accuracyLoss).toBeGreaterThan(0);
      expect(host.stdout()).toMatch(/accuracy lost \d+\.\d\d points per completed task/);
    },
    90_000,
  );

  it.skipIf(NO_SOCAT)(
    "run --variants refuses a board that does not announce model variants: the reason, exit 1",
    async () => {
      dir = mkdtempSync(join(tmpdir(), "immsched-variants-hil-"));
      const scenario = writeDystaOverload(dir);
      const pty = await ptyPair(dir);
      procs.push(pty.proc);
      const board = immschedProc(["board", "--serial", pty.b, "--scenario", scenario, "--id", "plain", "--quiet"]);
      procs.push(board);
      const host = immschedProc(["run", "--board", `serial:${pty.a}`, "--scenario", scenario, "--variants", "--duration", "20", "--quiet"]);
      procs.push(host);
      const code = await host.exited;
      expect(code).toBe(1);
      expect(host.stderr()).toMatch(/board plain does not announce model variants \(HELLO flag bit 3/);
    },
    60_000,
  );
});
