// The `immsched` command line: commander parses, each command lives in host/commands.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { InputError } from "./formats/input-error.js";
import { SOLVERS, DEFAULT_BUDGET, DEFAULT_PARTICLES } from "./core/core.js";
import { solveCommand } from "./commands/solve.js";
import { demoCommand } from "./commands/demo.js";
import { EXIT_BAD_INPUT, EXIT_FAILURE } from "./commands/exit.js";

export function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    }
    return n;
  };
}

export function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${flag} must be a non-negative integer, got "${value}"`);
    }
    return n;
  };
}

function particleCount(value: string): number {
  const n = positiveInteger("--particles")(value);
  if (n > 16) throw new InvalidArgumentError(`--particles must be in 1..16, got "${value}"`);
  return n;
}

export function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError(`--seed must be an integer in 0..4294967295, got "${value}"`);
  }
  return n;
}

export function buildProgram(): Command {
  const program = new Command()
    .name("immsched")
    .description("Interruptible multi-DNN scheduling on edge accelerators (IMMSched core in Wasm)")
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command("solve")
    .description("place a pattern (a task's stage graph) on the free tiles of a target (an accelerator)")
    .option("--pattern <file>", "pattern JSON: {\"nodes\", \"edges\", \"labels\"?}")
    .option("--target <file>", "target JSON: {\"mesh\": {...}} or {\"nodes\", \"edges\"}, + \"occupied\"?, \"labels\"?")
    .option("--batch <file>", "JSON lines, one {\"pattern\", \"target\"} per line; one result line each")
    .addOption(new Option("--solver <name>", "solver").choices(SOLVERS as string[]).default("ullmann"))
    .option("--budget <n>", `work budget (default ${DEFAULT_BUDGET})`, positiveInteger("--budget"))
    .option("--seed <s>", "seed of the randomised solvers", seedValue, 1)
    .option("--particles <n>", `particles of pso/auto, 1..16 (default ${DEFAULT_PARTICLES})`, particleCount)
    .option("--polish <n>", "pso/auto: iterations spent improving placement quality after the first valid one (default 0)", nonNegativeInteger("--polish"))
    .option("--json", "print the DESIGN.md solve result as JSON")
    .action(async (opts) => {
      process.exitCode = await solveCommand(opts);
    });

  program
    .command("demo")
    .description("place a DNN-like stage graph (a chain with a branch-and-merge block) on the default 8x8 board with some tiles busy")
    .option("--seed <s>", "seed for the busy tiles", seedValue, 7)
    .action(async (opts) => {
      process.exitCode = await demoCommand(opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version print and exit 0; every other commander error is a bad flag or argument
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (err instanceof InputError) {
      process.stderr.write(`immsched: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`immsched: ${(err as Error).stack ?? err}\n`);
    return EXIT_FAILURE;
  }
}


