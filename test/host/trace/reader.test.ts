// A bad schedule trace fails with the file, the line and the field, before anything is replayed.
import { describe, expect, it } from "vitest";
import { InputError } from "../../../host/formats/input-error.js";
import { TRACE_FORMAT, TRACE_VERSION, type TraceLine } from "../../../host/trace/ir.js";
import { parseTrace } from "../../../host/trace/reader.js";
import { TraceWriter } from "../../../host/trace/writer.js";
import { METRIC_NAMES, type Metrics } from "../../../host/sim/metrics.js";

const metrics = Object.fromEntries(METRIC_NAMES.map((k) => [k, 0])) as unknown as Metrics;
const header: TraceLine = {
  op: "header",
  format: TRACE_FORMAT,
  version: TRACE_VERSION,
  source: "run",
  clock: "board",
  scenario: "VR_gaming",
  policy: "immsched",
  seed: 1,
  board: { mesh: { width: 8, height: 8, torus: false } },
  machine: "spatial",
  tiles: 64,
};
const task: TraceLine = { op: "task", id: 7, model: "m", priority: 1, arrivalNs: 0, deadlineNs: 10, isolatedNs: 5, isolatedEnergyPJ: 1 };
const end: TraceLine = { op: "end", metrics };

function text(lines: unknown[]): string {
  return `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`;
}

function failure(lines: unknown[]): InputError {
  try {
    parseTrace(text(lines), "t.jsonl");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("the trace was accepted");
}

describe("schedule trace reader", () => {
  it("reads what the writer writes: header, body in order, end", () => {
    const w = new TraceWriter();
    for (const l of [header, task, { op: "arrive", t: 0, task: 7 }, { op: "place", t: 1, epoch: 1, task: 7, stages: 1, tiles: [3] }, end])
      w.push(l as TraceLine);
    const t = parseTrace(w.text(), "t.jsonl");
    expect(t.header.policy).toBe("immsched");
    expect(t.body.map((b) => [b.line, b.value.op])).toEqual([
      [2, "task"],
      [3, "arrive"],
      [4, "place"],
    ]);
    expect(t.endLine).toBe(5);
  });

  it("refuses a number JSON cannot carry instead of writing null", () => {
    const w = new TraceWriter();
    expect(() => w.push({ op: "arrive", t: Number.POSITIVE_INFINITY, task: 1 })).toThrow(/field "t" is Infinity/);
  });

  it.each([
    ["malformed JSON", [header, "{nope"], 2, /malformed JSON/],
    ["a body line first", [task, end], 1, /first line must be the header/],
    ["another format", [{ ...header, format: "other" }, end], 1, /expected "immsched-trace"/],
    ["a future version", [{ ...header, version: 99 }, end], 1, /version 99 is not supported/],
    ["a board too large", [{ ...header, board: { mesh: { width: 64, height: 64, torus: false } } }, end], 1, /exceed/],
    ["an unknown op", [header, { op: "teleport", t: 1 }], 2, /unknown op "teleport"/],
    ["a missing field", [header, task, { op: "arrive", task: 7 }], 3, /expected number/],
    ["an unknown field", [header, { ...task, colour: "red" }], 2, /unknown field "colour"/],
    ["an undeclared task", [header, { op: "preempt", t: 1, epoch: 1, task: 8 }], 2, /task 8 is not declared/],
    ["a task declared twice", [header, task, task], 3, /task 7 declared twice/],
    ["a drop reason the wire has no code for", [header, task, { op: "drop", t: 1, epoch: 1, task: 7, reason: "bored" }], 3, /reason/],
    ["a line after the end", [header, end, task], 3, /after the end line/],
  ])("%s: names the file and line", (_what, lines, line, message) => {
    const e = failure(lines);
    expect(e.message.startsWith(`t.jsonl:${line}: `), e.message).toBe(true);
    expect(e.message).toMatch(message);
  });

  it("names the field inside a line", () => {
    const e = failure([header, task, { op: "place", t: 1, epoch: 1, task: 7, stages: 1, tiles: [3, -1] }]);
    expect(e.field).toBe("tiles[1]");
    expect(e.line).toBe(3);
  });

  it("a trace cut short (no end line) is incomplete, not replayed", () => {
    expect(failure([header, task]).message).toMatch(/^t\.jsonl: no end line .* incomplete/);
  });

  it("in a simulated trace, time never goes backwards (a decision may run ahead: the core was busy)", () => {
    const sim = { ...header, source: "bench", clock: "virtual" };
    const profile = { layerNs: [1], layerEnergyPJ: [1], pipelines: {} };
    const t = { ...task, profile };
    const ok = [sim, t, { op: "arrive", t: 5, task: 7 }, { op: "decide", t: 9, ready: 12, work: 1, micros: 1, answers: [7] }];
    expect(() => parseTrace(text([...ok, { op: "preempt", t: 12, epoch: 1, task: 7 }, end]), "t.jsonl")).not.toThrow();
    const e = failure([...ok, { op: "preempt", t: 4, epoch: 1, task: 7 }, end]);
    expect(e.message).toMatch(/^t\.jsonl:5: field "t": time goes backwards: 4 ns after an event at 5 ns/);
  });

  it("a simulated trace must say how each task runs", () => {
    const e = failure([{ ...header, source: "bench", clock: "virtual" }, task]);
    expect(e.message).toMatch(/task 7 has no profile/);
    expect(e.field).toBe("profile");
  });
});
