// `immsched solve`: one pattern on one target, or a batch of them (one JSON object per line).

import { readFileSync } from "node:fs";
import { z } from "zod";
import { Core, type SolveResult, type SolverName } from "../core/core.js";
import { parsePattern, parseTarget, type Pattern, type Target } from "../formats/graphs.js";
import { InputError, parseJson, fieldPath } from "../formats/input-error.js";
import { renderPlacement } from "../render/mesh.js";
import { EXIT_BAD_INPUT, EXIT_OK } from "./exit.js";

export interface SolveCommandOptions {
  pattern?: string;
  target?: string;
  batch?: string;
  solver: SolverName;
  budget?: number;
  seed: number;
  particles?: number;
  polish?: number;
  json?: boolean;
}

/** Reads a file (or standard input for "-"), naming the file in the error. */
export function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
}

function readJsonFile(file: string): unknown {
  return parseJson(readInput(file), { file });
}

function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) throw err.within({ file });
    throw err;
  }
}

const BatchLine = z.strictObject({ pattern: z.unknown(), target: z.unknown() });

/** Parses one batch line into a pattern and a target; errors name the field inside the line. */
export function parseBatchLine(text: string, file: string, line: number): { pattern: Pattern; target: Target } {
  if (text.trim() === "") throw new InputError('empty line: expected {"pattern": ..., "target": ...}', { file, line });
  const value = parseJson(text, { file, line });
  const shape = BatchLine.safeParse(value);
  if (!shape.success || shape.data.pattern === undefined || shape.data.target === undefined) {
    const issue = shape.success ? undefined : shape.error.issues[0];
    const reason = issue ? issue.message : "missing";
    const field = issue?.path.length
      ? fieldPath(issue.path)
      : shape.success
        ? shape.data.pattern === undefined
          ? "pattern"
          : "target"
        : undefined;
    throw new InputError(`expected {"pattern": ..., "target": ...}: ${reason}`, { file, line, field });
  }
  const where = (field: string) => (err: unknown) => {
    throw err instanceof InputError ? err.within({ file, line, field }) : err;
  };
  let pattern!: Pattern;
  let target!: Target;
  try {
    pattern = parsePattern(shape.data.pattern);
  } catch (err) {
    where("pattern")(err);
  }
  try {
    target = parseTarget(shape.data.target);
  } catch (err) {
    where("target")(err);
  }
  return { pattern, target };
}

export function solveOne(core: Core, pattern: Pattern, target: Target, opts: SolveCommandOptions): SolveResult {
  core.loadTarget(target);
  core.loadPattern(pattern);
  return core.solve({ solver: opts.solver, budget: opts.budget, seed: opts.seed, particles: opts.particles, polish: opts.polish });
}

export function describeResult(r: SolveResult, pattern: Pattern, target: Target): string {
  const verdict = r.found
    ? "placement found"
    : r.complete
      ? "no placement exists (search complete)"
      : "no placement found within the work budget (search incomplete)";
  const head = `${verdict} · solver ${r.solver} · work ${r.work} · ${r.micros.toFixed(1)} µs in the core`;
  const picture = renderPlacement(pattern, target, r.mapping);
  if (!r.found) return `${head}\n${picture}`;
  const list = r.mapping!.map((tile, stage) => `${stage}->${tile}`).join(" ");
  return `${head}\nstage->tile: ${list}\n${picture}`;
}

export async function solveCommand(opts: SolveCommandOptions): Promise<number> {
  const core = await Core.load();
  if (opts.batch) return solveBatch(core, opts);
  if (!opts.pattern || !opts.target) {
    throw new InputError("give --pattern FILE and --target FILE, or --batch FILE");
  }
  const pattern = withFile(opts.pattern, () => parsePattern(readJsonFile(opts.pattern!)));
  const target = withFile(opts.target, () => parseTarget(readJsonFile(opts.target!)));
  const result = solveOne(core, pattern, target, opts);
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${describeResult(result, pattern, target)}\n`);
  return EXIT_OK;
}

async function solveBatch(core: Core, opts: SolveCommandOptions): Promise<number> {
  const file = opts.batch!;
  const lines = readInput(file).split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let bad = 0;
  lines.forEach((text, k) => {
    try {
      const { pattern, target } = parseBatchLine(text.replace(/\r$/, ""), file, k + 1);
      process.stdout.write(`${JSON.stringify(solveOne(core, pattern, target, opts))}\n`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      bad++;
      process.stderr.write(`${err.message}\n`);
      process.stdout.write(`${JSON.stringify({ error: err.message })}\n`);
    }
  });
  return bad ? EXIT_BAD_INPUT : EXIT_OK;
}
