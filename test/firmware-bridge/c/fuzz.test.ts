// The C codec under libFuzzer with AddressSanitizer and UBSan (firmware-bridge/c/fuzz/run.sh):
// the corpus kept in the repository replays clean and a short coverage-guided run finds nothing.
// The long run (10 million executions) is `FUZZ_RUNS=10000000 npm run fuzz:c -- 3600`; its figures
// are in the README. Needs clang with the libFuzzer runtime (Debian: clang-14, libclang-rt-14-dev).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lacksCommand } from "../../support/requires.js";

const SCRIPT = join(import.meta.dirname, "../../../firmware-bridge/c/fuzz/run.sh");
const CORPUS = join(import.meta.dirname, "../../../firmware-bridge/c/fuzz/corpus");
const NO_CLANG = lacksCommand("clang-14", "clang-14 libclang-rt-14-dev", "C codec fuzzing");

describe.skipIf(NO_CLANG)("C codec under libFuzzer + ASan + UBSan", () => {
  it("replays the kept corpus and fuzzes for 10 s without a finding", () => {
    const out = mkdtempSync(join(tmpdir(), "immsched-fuzz-"));
    try {
      const r = spawnSync("bash", [SCRIPT, "10"], { encoding: "utf8", env: { ...process.env, FUZZ_OUT: out } });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const m = /no finding · (\d+) executions .* edges covered (\d+) of (\d+)/.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(10_000);
      expect(Number(m![2])).toBeGreaterThan(100);
      console.log(r.stdout.trim());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it("keeps a corpus in the repository", () => {
    expect(readdirSync(CORPUS).length).toBeGreaterThan(50);
  });
});

describe("fuzz script input", () => {
  it("refuses a duration that is not a whole number, with exit status 2", () => {
    const r = spawnSync("bash", [SCRIPT, "ten"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/SECONDS must be a whole number, got 'ten'/);
  });
});
