// `immsched bench --trace DIR` then `immsched replay FILE` as a user runs them: one trace per run,
// each replayed to the metrics bench reported (bit for bit: JSON carries doubles exactly), exit 1
// when a trace's metrics are not reproduced, exit 2 naming file and line for a bad trace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";

let dir: string;
let bench: { runs: Array<{ policy: string; seed: number; scenario: string; metrics: Record<string, number> }> };
const traces = () => join(dir, "traces");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-replay-"));
  const json = join(dir, "bench.json");
  const r = immsched([
    "bench",
    "--scenario",
    "dysta",
    "--rate",
    "400",
    "--duration-ms",
    "150",
    "--policy",
    "dysta,immsched",
    "--seeds",
    "1-2",
    "--trace",
    traces(),
    "--json",
    json,
    "--quiet",
  ]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/traces: one schedule trace per run in /);
  bench = JSON.parse(readFileSync(json, "utf8"));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched replay", () => {
  it("bench --trace writes one trace per run; each replays to the metrics bench reported", () => {
    expect(readdirSync(traces()).sort()).toEqual([
      "dysta@400-s.dysta.seed1.jsonl",
      "dysta@400-s.dysta.seed2.jsonl",
      "dysta@400-s.immsched.seed1.jsonl",
      "dysta@400-s.immsched.seed2.jsonl",
    ]);
    for (const run of bench.runs) {
      const file = join(traces(), `dysta@400-s.${run.policy}.seed${run.seed}.jsonl`);
      const r = immsched(["replay", file, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.reproduced).toBe(true);
      expect(out.differ).toEqual([]);
      expect(out.metrics).toEqual(run.metrics);
      expect(out.commands).toBeGreaterThan(10);
      expect(out.boardEvents).toBeGreaterThan(10);
    }
  }, 60_000);

  it("prints the metrics side by side and says reproduced", () => {
    const r = immsched(["replay", join(traces(), "dysta@400-s.immsched.seed1.jsonl")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/bench trace v1 · scenario dysta@400\/s · policy immsched · seed 1 · spatial model, 64 tiles/);
    expect(r.stdout).toMatch(/violationRate/);
    expect(r.stdout).toMatch(/reproduced: all 13 metrics bit for bit/);
  });

  it("exit 1 when the recorded metrics are not what the schedule gives", () => {
    const src = readFileSync(join(traces(), "dysta@400-s.dysta.seed1.jsonl"), "utf8").trimEnd().split("\n");
    const end = JSON.parse(src.at(-1)!);
    end.metrics.violationRate += 0.125;
    src[src.length - 1] = JSON.stringify(end);
    const file = join(dir, "edited.jsonl");
    writeFileSync(file, `${src.join("\n")}\n`);
    const r = immsched(["replay", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/NOT reproduced: violationRate differs/);
  });

  it("exit 2 naming the file and line for a trace that does not read, or does not exist", () => {
    const src = readFileSync(join(traces(), "dysta@400-s.dysta.seed1.jsonl"), "utf8").split("\n");
    src[4] = '{"op":"arrive","t":"soon","task":1}';
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, src.join("\n"));
    const r = immsched(["replay", file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:5: field "t": `));
    const missing = immsched(["replay", join(dir, "nope.jsonl")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: cannot read the trace: ENOENT/);
  });
});
