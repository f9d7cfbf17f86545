// The options `immsched run` runs with: the command line over the config file (run-config.ts)
// over the defaults, each config value checked by the same parser as its flag.

import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { RunCommandOptions } from "../commands/run.js";
import { InputError } from "../formats/input-error.js";
import { createLogger, type LogFormat, type LogLevel } from "../log/logger.js";
import { parseBoardSpec } from "../runtime/board-spec.js";
import { meshSize } from "../commands/options.js";
import { mqttAuthFromEnv, readRunConfig, type RunConfig } from "./run-config.js";

/** A config value through its flag's parser: the same rules, the error naming the file and key. */
function convert(key: keyof RunConfig, value: unknown, file: string): unknown {
  try {
    if (key === "board") return parseBoardSpec(value as string);
    if (key === "mesh") return meshSize("mesh")(value as string);
    return value;
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new InputError(e.message.replace(/^--\w+ /, ""), { file, field: key });
    throw e;
  }
}

/** The run's options from a parsed `run` command: its flags, then `--config`, then defaults. */
export function runOptions(cmd: Command): RunCommandOptions {
  const opts = { ...cmd.opts() } as Record<string, unknown>;
  const file = opts.config as string | undefined;
  if (file !== undefined) {
    const config = readRunConfig(file);
    for (const [key, value] of Object.entries(config) as Array<[keyof RunConfig, unknown]>) {
      if (cmd.getOptionValueSource(key) === "cli") continue; // the command line wins
      opts[key] = convert(key, value, file);
    }
  }
  const logger = createLogger({ format: opts.logFormat as LogFormat, level: opts.logLevel as LogLevel });
  return { ...(opts as unknown as RunCommandOptions), logger, mqttAuth: mqttAuthFromEnv() };
}
