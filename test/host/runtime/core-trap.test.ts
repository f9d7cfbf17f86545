// `immsched run --core-trap-every N`: the real CLI against the in-process virtual board, with the
// Wasm core made to trap again and again; the host restores it each time (core/recoverable.ts) and
// the run ends with every arrival accounted for.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { immsched } from "../../support/cli.js";

it("a run whose core traps every 25 events loses nothing and counts the traps", () => {
  const dir = mkdtempSync(join(tmpdir(), "immsched-core-trap-"));
  try {
    const out = join(dir, "run.json");
    const r = immsched(["run", "--quiet", "--core-trap-every", "25", "--json", out], undefined, 120_000);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.tasks.arrived).toBe(120);
    expect(json.tasks.lost).toBe(0);
    expect(json.tasks.completed + json.tasks.dropped).toBe(120);
    // VR_gaming's 120 tasks give at least one event each (arrival, stage and task completions)
    expect(json.host.coreRestarts).toBeGreaterThanOrEqual(Math.floor(120 / 25));
    expect(r.stdout).toMatch(/core traps survived \d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

it("rejects a core-trap period that is not a positive integer", () => {
  const r = immsched(["run", "--core-trap-every", "0"]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--core-trap-every/);
});
