// Replay is exact: a run recorded as the schedule IR (host/trace) and re-executed on the
// accelerator model, without the core, gives the run's metrics bit for bit — a property over
// seeds, policies and workloads, through the real Wasm core. And a trace that was tampered with
// does not pass for the run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runPolicy } from "../../../host/bench/policy-bench.js";
import { ALL_POLICIES, type PolicyName } from "../../../host/core/controller.js";
import { METRIC_NAMES } from "../../../host/sim/metrics.js";
import { parseTrace } from "../../../host/trace/reader.js";
import { replayTrace } from "../../../host/trace/replay.js";
import { TraceWriter } from "../../../host/trace/writer.js";
import { loadScenario } from "../../../host/workloads/scenario.js";
import { InputError } from "../../../host/formats/input-error.js";

const mesh = (width: number, height: number) => ({ mesh: { width, height, torus: false } });
// overload (the Dysta recipe at 400/s: pre-emptions, drops, resizes), frame dependencies on a
// small board (VR_gaming on 3x3: dropped parents, so skipped frames), XRBench workloads as they are
interface Workload {
  spec: string;
  board: ReturnType<typeof mesh>;
  durationMs?: number;
  rate?: number;
}
const WORKLOADS: readonly Workload[] = [
  { spec: "dysta", rate: 400, durationMs: 150, board: mesh(8, 8) },
  { spec: "VR_gaming", board: mesh(3, 3) },
  { spec: "AR_gaming", durationMs: 250, board: mesh(8, 8) },
  { spec: "outdoor_activity_A", durationMs: 400, board: mesh(8, 8) },
];

async function recorded(w: Workload, policy: PolicyName, seed: number) {
  const board = w.board;
  const scenario = loadScenario(w.spec, { seed, board, durationMs: w.durationMs, rate: w.rate });
  const writer = new TraceWriter();
  const { metrics } = await runPolicy(scenario, policy, seed, { board, nsPerWork: 5 }, writer, w.spec);
  return { metrics, text: writer.text() };
}

const opsSeen = new Set<string>();

function expectReproduced(text: string, metrics: Record<string, number>): void {
  const trace = parseTrace(text);
  for (const l of trace.body) opsSeen.add(l.value.op);
  const r = replayTrace(trace);
  expect(r.differ).toEqual([]);
  // bit for bit: Object.is tells 0 from -0 and compares NaN with itself
  for (const k of METRIC_NAMES) expect(Object.is(r.metrics[k], metrics[k]), `${k}: ${r.metrics[k]} vs ${metrics[k]}`).toBe(true);
}

describe("schedule replay", () => {
  it("every policy, on overload and on frame dependencies, reproduces its metrics bit for bit", async () => {
    for (const policy of ALL_POLICIES) {
      for (const w of [WORKLOADS[0]!, WORKLOADS[1]!]) {
        const { metrics, text } = await recorded(w, policy, 2);
        expectReproduced(text, metrics as unknown as Record<string, number>);
      }
    }
    // the property covers the whole IR: every kind of command and board event, and skipped frames
    for (const op of ["task", "arrive", "decide", "place", "resume", "preempt", "drop", "stage", "done", "skip"]) {
      expect(opsSeen.has(op), `no ${op} line in any trace`).toBe(true);
    }
  }, 120_000);

  it("property: 100 % of recorded runs reproduce their metrics (random seeds, policies, workloads)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(...ALL_POLICIES),
        fc.constantFrom(...WORKLOADS),
        async (seed, policy, w) => {
          const { metrics, text } = await recorded(w, policy, seed);
          expectReproduced(text, metrics as unknown as Record<string, number>);
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);

  it("a command moved in time no longer passes for the run: the model diverges or the metrics differ", async () => {
    const { text } = await recorded(WORKLOADS[0]!, "immsched", 3);
    const lines = text.trimEnd().split("\n");
    const k = lines.findIndex((s) => s.includes('"op":"place"'));
    const place = JSON.parse(lines[k]!);
    // later, but not past the next line's time, so the trace still reads in time order
    place.t += 1;
    lines[k] = JSON.stringify(place);
    const tampered = parseTrace(`${lines.join("\n")}\n`, "tampered.jsonl");
    let outcome: string;
    try {
      const r = replayTrace(tampered);
      outcome = r.differ.length ? "differs" : "reproduced";
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(/^tampered\.jsonl:\d+: replay diverges/);
      outcome = "diverges";
    }
    expect(outcome).not.toBe("reproduced");
  }, 60_000);

  it("the same seed records the same trace, byte for byte", async () => {
    const a = await recorded(WORKLOADS[0]!, "immsched", 5);
    const b = await recorded(WORKLOADS[0]!, "immsched", 5);
    expect(a.text.length).toBeGreaterThan(1000);
    // wall times of the calls into the core (micros) are the one thing a rerun changes
    const strip = (s: string) => s.replace(/"micros":[0-9.e+-]+/g, '"micros":0');
    expect(strip(a.text)).toBe(strip(b.text));
  }, 60_000);
});
