// Reads a schedule trace (docs/IR.md) back: every line checked against its shape (zod) and
// against the lines before it (a header first, tasks declared before they are referred to, an end
// last), so a bad trace fails with the file, the line and the field, never half-replayed.

import { readFileSync } from "node:fs";
import { z } from "zod";
import { DROP_REASON_CODES } from "../../firmware-bridge/protocol/messages.js";
import { InputError, parseJson } from "../formats/input-error.js";
import { zodInputError } from "../formats/zod-error.js";
import { parseTarget } from "../formats/graphs.js";
import { METRIC_NAMES } from "../sim/metrics.js";
import { type EndLine, type HeaderLine, TRACE_FORMAT, TRACE_VERSION, type TraceLine } from "./ir.js";

const int = z.number().int("expected an integer");
const id = int.nonnegative("expected an id >= 0");
const time = z.number();
const numbers = z.array(z.number());

const PipelineSchema = z.strictObject({
  stages: int,
  stageDoneNs: numbers,
  stageBusyNs: numbers,
  totalNs: z.number(),
  beatNs: z.number(),
  energyPJ: z.number(),
  checkpointNs: z.number(),
  checkpointEnergyPJ: z.number(),
});

const HeaderSchema = z.strictObject({
  op: z.literal("header"),
  format: z.literal(TRACE_FORMAT, `expected "${TRACE_FORMAT}"`),
  version: int,
  source: z.enum(["bench", "run"]),
  clock: z.enum(["virtual", "board"]),
  scenario: z.string(),
  policy: z.string(),
  seed: z.number(),
  board: z.unknown(),
  machine: z.enum(["spatial", "temporal"]),
  tiles: int.positive("expected a positive tile count"),
  nsPerWork: z.number().optional(),
  decisionTime: z.enum(["work", "measured"]).optional(),
  xrbench: z.strictObject({ lastFrameNs: z.number(), tickNs: z.number().positive() }).optional(),
  modelVariants: z.literal(true).optional(),
});

const metricsShape = Object.fromEntries(METRIC_NAMES.map((k) => [k, z.number()])) as Record<(typeof METRIC_NAMES)[number], z.ZodNumber>;

const ProfileSchema = z.strictObject({
  layerNs: numbers,
  layerEnergyPJ: numbers,
  pipelines: z.record(z.string().regex(/^\d+$/), PipelineSchema),
});

const LineSchema = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("task"),
    id,
    model: z.string(),
    frame: id.optional(),
    priority: z.number(),
    arrivalNs: time,
    deadlineNs: time,
    after: z.strictObject({ model: z.string(), frame: id }).optional(),
    isolatedNs: z.number(),
    isolatedEnergyPJ: z.number(),
    profile: ProfileSchema.optional(),
  }),
  z.strictObject({
    op: z.literal("arrive"),
    t: time,
    task: id,
    variant: z
      .strictObject({ model: z.string(), width: z.number().gt(0).max(1), lossPoints: z.number(), profile: ProfileSchema.optional() })
      .optional(),
  }),
  z.strictObject({ op: z.literal("decide"), t: time, ready: time, work: z.number(), micros: z.number(), answers: z.array(id) }),
  z.strictObject({ op: z.enum(["place", "resume"]), t: time, epoch: id, task: id, stages: int, tiles: z.array(id) }),
  z.strictObject({ op: z.literal("preempt"), t: time, epoch: id, task: id }),
  z.strictObject({
    op: z.literal("drop"),
    t: time,
    epoch: id,
    task: id,
    reason: z.enum(Object.keys(DROP_REASON_CODES) as [keyof typeof DROP_REASON_CODES]),
  }),
  z.strictObject({ op: z.literal("stage"), t: time, task: id, stage: id, busyNs: z.number() }),
  z.strictObject({ op: z.literal("done"), t: time, task: id, energyPJ: z.number() }),
  z.strictObject({ op: z.literal("telemetry"), t: time, energyPJ: z.number() }),
  z.strictObject({ op: z.literal("hello"), t: time, board: z.string(), width: int, height: int }),
  z.strictObject({ op: z.literal("skip"), t: time, task: id, reason: z.literal("dependency") }),
  z.strictObject({
    op: z.literal("end"),
    metrics: z.strictObject({ ...metricsShape, accuracyLoss: z.number().optional() }),
    hostArrivalToCommandNs: numbers.optional(),
  }),
]);

const OPS = ["task", "arrive", "decide", "place", "resume", "preempt", "drop", "stage", "done", "telemetry", "hello", "skip", "end"];

/** A trace as read: its header, its body lines (with their line numbers) and its end. */
export interface Trace {
  file: string;
  header: HeaderLine;
  body: Array<{ line: number; value: Exclude<TraceLine, HeaderLine | EndLine> }>;
  end: EndLine;
  endLine: number;
}

/** Parses trace text; `file` names it in errors. */
export function parseTrace(text: string, file = "<trace>"): Trace {
  const raw = text.split("\n");
  let header: HeaderLine | undefined;
  let end: EndLine | undefined;
  let endLine = 0;
  const body: Trace["body"] = [];
  const declared = new Set<number>();
  let now = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!.trim();
    if (s === "") continue;
    const where = { file, line: i + 1 };
    if (end) throw new InputError("a line after the end line", where);
    const value = parseJson(s, where) as { op?: unknown };
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError("expected a JSON object", where);
    if (!header) {
      if (value.op !== "header")
        throw new InputError(`the first line must be the header ({"op": "header", ...}), not op ${JSON.stringify(value.op)}`, where);
      const r = HeaderSchema.safeParse(value);
      if (!r.success) throw zodInputError(r.error, where);
      if (r.data.version !== TRACE_VERSION)
        throw new InputError(`trace version ${r.data.version} is not supported (this immsched reads version ${TRACE_VERSION})`, {
          ...where,
          field: "version",
        });
      let board: HeaderLine["board"];
      try {
        board = parseTarget(r.data.board);
      } catch (err) {
        throw err instanceof InputError ? err.within({ ...where, field: "board" }) : err;
      }
      header = { ...r.data, board } as HeaderLine;
      continue;
    }
    if (typeof value.op !== "string" || !OPS.includes(value.op))
      throw new InputError(`unknown op ${JSON.stringify(value.op)} (expected one of ${OPS.join(", ")})`, { ...where, field: "op" });
    const r = LineSchema.safeParse(value);
    if (!r.success) throw zodInputError(r.error, where);
    const line = r.data as TraceLine;
    if (line.op === "end") {
      end = line;
      endLine = i + 1;
      continue;
    }
    if (line.op === "task") {
      if (declared.has(line.id)) throw new InputError(`task ${line.id} declared twice`, { ...where, field: "id" });
      if (header.clock === "virtual" && !line.profile)
        throw new InputError(`task ${line.id} has no profile: a simulated trace must say how each task runs`, {
          ...where,
          field: "profile",
        });
      declared.add(line.id);
    } else if ("task" in line && !declared.has(line.task)) {
      throw new InputError(`task ${line.task} is not declared by an earlier task line`, { ...where, field: "task" });
    }
    if (line.op === "arrive" && line.variant && line.variant.width !== 1 && header.clock === "virtual" && !line.variant.profile)
      throw new InputError(`task ${line.task} runs a model variant without its profile: a simulated trace must say how it runs`, {
        ...where,
        field: "variant.profile",
      });
    if (line.op === "decide") {
      const k = line.answers.findIndex((a) => !declared.has(a));
      if (k >= 0)
        throw new InputError(`task ${line.answers[k]} is not declared by an earlier task line`, { ...where, field: `answers[${k}]` });
    }
    // a simulation handles events in time order (a decision's `t` may run ahead: the core was busy)
    if (header.clock === "virtual" && "t" in line && line.op !== "decide") {
      if (line.t < now) throw new InputError(`time goes backwards: ${line.t} ns after an event at ${now} ns`, { ...where, field: "t" });
      now = line.t;
    }
    body.push({ line: i + 1, value: line as Trace["body"][number]["value"] });
  }
  if (!header) throw new InputError("empty trace: no header line", { file });
  if (!end) throw new InputError(`no end line after line ${raw.length}: the trace is incomplete`, { file });
  return { file, header, body, end, endLine };
}

export function readTrace(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`cannot read the trace: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  return parseTrace(text, file);
}
