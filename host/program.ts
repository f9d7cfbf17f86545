// The `immsched` command line: commander parses, each command lives in host/commands.

import { Command, CommanderError, Option } from "commander";
import { InputError } from "./formats/input-error.js";
import { LinkError } from "../firmware-bridge/link/errors.js";
import { SOLVERS, DEFAULT_BUDGET, DEFAULT_PARTICLES } from "./core/core.js";
import { solveCommand } from "./commands/solve.js";
import { demoCommand } from "./commands/demo.js";
import { benchCommand } from "./commands/bench.js";
import { listScenarios } from "./workloads/scenario.js";
import { parseBoardSpec, BOARD_SPEC_HELP } from "./runtime/board-spec.js";
import { DEFAULT_MONITOR_PORT } from "./monitor/server.js";
import { registerBoardCommand } from "./commands/board.js";
import { registerFleetCommand } from "./commands/fleet.js";
import { ALL_POLICIES, POLICIES } from "./core/controller.js";
import {
  positiveInteger,
  nonNegativeInteger,
  particleCount,
  positiveNumber,
  numberList,
  integerList,
  collect,
  seedValue,
  seedList,
  policyList,
  meshSize,
} from "./commands/options.js";
import { EXIT_BAD_INPUT, EXIT_FAILURE } from "./commands/exit.js";
import { DEFAULT_GRACE_MS } from "./commands/grace.js";
import { LOG_FORMATS, LOG_LEVELS } from "./log/logger.js";
import { runOptions } from "./config/run-options.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("immsched")
    .description("Interruptible multi-DNN scheduling on edge accelerators (IMMSched core in Wasm)")
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command("solve")
    .description("place a pattern (a task's stage graph) on the free tiles of a target (an accelerator)")
    .option("--pattern <file>", 'pattern JSON: {"nodes", "edges", "labels"?}')
    .option("--target <file>", 'target JSON: {"mesh": {...}} or {"nodes", "edges"}, + "occupied"?, "labels"?')
    .option("--batch <file>", 'JSON lines, one {"pattern", "target"} per line; one result line each')
    .addOption(new Option("--solver <name>", "solver").choices(SOLVERS as string[]).default("ullmann"))
    .option("--budget <n>", `work budget (default ${DEFAULT_BUDGET})`, positiveInteger("--budget"))
    .option("--seed <s>", "seed of the randomised solvers", seedValue, 1)
    .option("--particles <n>", `particles of pso/auto, 1..16 (default ${DEFAULT_PARTICLES})`, particleCount)
    .option(
      "--polish <n>",
      "pso/auto: iterations spent improving placement quality after the first valid one (default 0)",
      nonNegativeInteger("--polish"),
    )
    .option("--json", "print the docs/ARCHITECTURE.md solve result as JSON")
    .action(async (opts) => {
      process.exitCode = await solveCommand(opts);
    });

  program
    .command("run")
    .description("run the scheduler beside a board: arrivals in, commands out, live progress and a summary")
    .addOption(new Option("--board <spec>", BOARD_SPEC_HELP).argParser(parseBoardSpec).default({ kind: "sim" }, "sim"))
    .option("--scenario <spec>", "the workload the board raises (an XRBench name, .m or .json file, or dysta)", "VR_gaming")
    .addOption(new Option("--policy <name>", "scheduling policy").choices(ALL_POLICIES as unknown as string[]).default("immsched"))
    .option(
      "--duration <sec>",
      "how long the workload runs: board seconds of the in-process board's frame streams, wall seconds against a real board (default: the scenario's own window in process, until stopped against a real board)",
      positiveNumber("--duration"),
    )
    .option(
      "--grace-ms <ms>",
      `at SIGINT/SIGTERM, time running tasks get to finish before the rest are dropped (default ${DEFAULT_GRACE_MS})`,
      nonNegativeInteger("--grace-ms"),
    )
    .option("--seed <s>", "seed of the workload and the core", seedValue, 1)
    .addOption(
      new Option("--mesh <WxH>", "mesh of the in-process virtual board")
        .argParser(meshSize("--mesh"))
        .default({ width: 8, height: 8 }, "8x8"),
    )
    .option("--time-scale <x>", "board time per wall time of the in-process virtual board", positiveNumber("--time-scale"), 1)
    .option("--json <file>", "write the summary as JSON")
    .option("--trace <file>", "record the run's schedule IR (docs/IR.md), for immsched replay")
    .option("--monitor [port]", `serve the live dashboard on 127.0.0.1 (default port ${DEFAULT_MONITOR_PORT})`, (v: string) =>
      positiveInteger("--monitor")(v),
    )
    .option("--quiet", "no live view, only the summary")
    .option(
      "--variants",
      "model variants: each task runs the widest width variant whose estimated finish meets its deadline, told to the board as VARIANT (needs a board announcing them); adds accuracyLoss",
    )
    .option(
      "--core-trap-every <n>",
      "debug: make the Wasm core trap before every Nth event (the host recovers)",
      positiveInteger("--core-trap-every"),
    )
    .addOption(
      new Option("--log-format <f>", "log lines on stderr: pretty (coloured on a terminal) or json (journald, log shippers)")
        .choices(LOG_FORMATS)
        .default("pretty"),
    )
    .addOption(new Option("--log-level <l>", "least level logged").choices(LOG_LEVELS).default("info"))
    .option("--config <file>", "JSON config file: every option above as a key (CLI wins); secrets only from the environment")
    .action(async (_opts, cmd: Command) => {
      const opts = runOptions(cmd);
      // loaded on use: the runtime pulls in serialport, mqtt and the monitor
      const { runCommand } = await import("./commands/run.js");
      process.exitCode = await runCommand(opts);
    });

  registerBoardCommand(program);
  registerFleetCommand(program);

  program
    .command("monitor")
    .description("watch boards through their MQTT topics and serve the live dashboard and /metrics")
    .requiredOption("--mqtt <url>", "broker URL, e.g. mqtt://127.0.0.1:1883")
    .option("--board <id>", "board id to watch (default: every board)")
    .option("--port <n>", `dashboard port on 127.0.0.1 (default ${DEFAULT_MONITOR_PORT})`, positiveInteger("--port"))
    .option("--host <addr>", "interface to listen on (default 127.0.0.1)")
    .option("--scenario <spec>", "scenario whose model names label the arrivals", "VR_gaming")
    .option("--policy <name>", "policy name to show")
    .option("--duration <sec>", "stop after this many seconds (default: until Ctrl-C)", positiveNumber("--duration"))
    .option("--fleet <nats-urls>", 'a fleet (README "Fleet"): every board heard and its owning host, /metrics by board and host')
    .action(async (opts) => {
      if (opts.fleet) {
        const { fleetMonitorCommand } = await import("./commands/fleet.js");
        process.exitCode = await fleetMonitorCommand({ ...opts, port: opts.port ?? DEFAULT_MONITOR_PORT });
        return;
      }
      const { monitorCommand } = await import("./commands/monitor.js");
      process.exitCode = await monitorCommand(opts);
    });

  program
    .command("bench")
    .description("run scheduling policies on the same workloads in virtual time and compare the metrics")
    .option(
      "--scenario <spec>",
      'XRBench scenario name or .m file, JSON trace file, or "dysta" (the Dysta recipe); repeat or comma-separate (default: every shared XRBench scenario)',
      collect,
    )
    .addOption(
      new Option("--policy <list>", "policies, comma-separated")
        .argParser(policyList)
        .default([...POLICIES], `all: ${POLICIES.join(",")}; xrbench (XRBench's own scheduler, a reference) only when named`),
    )
    .addOption(new Option("--seeds <range>", "seeds, e.g. 1-5 or 1,3,7").argParser(seedList).default([1, 2, 3, 4, 5], "1-5"))
    .option("--rate <r>", "Dysta recipe: arrivals per second; a comma list sweeps rates", numberList("--rate"))
    .option("--slo-mult <m>", "Dysta recipe: deadline = arrival + m x isolated latency (default 10)", positiveNumber("--slo-mult"))
    .option("--duration-ms <t>", "length of the arrival window in ms (default: the scenario's)", positiveNumber("--duration-ms"))
    .addOption(new Option("--board <WxH>", "mesh of tiles").argParser(meshSize("--board")).default({ width: 8, height: 8 }, "8x8"))
    .option("--ns-per-work <ns>", "time one unit of core work costs the board's controller", positiveNumber("--ns-per-work"))
    .addOption(
      new Option("--decision-time <how>", "charge decisions by deterministic work or measured wall time")
        .choices(["work", "measured"])
        .default("work"),
    )
    .option(
      "--costs <file>",
      "per-model whole-array latency and energy in XRBench's form (model,isolated_latency_ms,energy_mJ) instead of the cost model's",
    )
    .option(
      "--lanes <list>",
      "ablation: lane counts a pipeline stage may be split over (default 1,2,4,8; 1 turns layer split off)",
      integerList("--lanes"),
    )
    .option("--fixed-sizing", "ablation: every spatial policy sizes placements by the fixed rule (turns immsched's elastic sizing off)")
    .option("--config <file>", "tuned settings (immsched tune --out): their knobs and solve budget for every policy run")
    .option("--online-tuning", "each run adapts its policy's knob online from its own outcome (Rprop on the miss rate)")
    .option(
      "--variants",
      "model variants for every policy: each task runs the widest width variant whose estimated finish meets its deadline (docs/SCENARIO.md); adds accuracyLoss",
    )
    .option("--json <file>", "write {runs, summary} as JSON")
    .option("--csv <file>", "write one row per run as CSV")
    .option("--html <file>", "write a self-contained HTML report with charts")
    .option("--trace <dir>", "record each run's schedule IR (docs/IR.md) as DIR/<scenario>.<policy>.seed<N>.jsonl")
    .option("--quiet", "no progress bar")
    .action(async (opts) => {
      if (!opts.scenario?.length)
        opts.scenario = listScenarios()
          .filter((s) => s.kind === "xrbench")
          .map((s) => s.name);
      process.exitCode = await benchCommand(opts);
    });

  program
    .command("tune")
    .description("search a policy's settings with the simulator in the loop; measure them on held-back seeds; write them for --config")
    .requiredOption("--scenario <spec>", 'the workload to tune on (an XRBench name, .m or .json file, or "dysta" with --rate)')
    .option("--rate <r>", "Dysta recipe: arrivals per second; a comma list tunes over the sweep", numberList("--rate"))
    .addOption(
      new Option("--policy <name>", "policy whose settings to tune").choices(ALL_POLICIES as unknown as string[]).default("immsched"),
    )
    .option("--budget <n>", "settings to evaluate, the defaults included (default 40)", positiveInteger("--budget"), 40)
    .addOption(new Option("--seeds <range>", "training seeds").argParser(seedList).default([1, 2, 3], "1-3"))
    .option("--held-out <range>", "seeds to measure the result on (default: as many, after the training seeds)", seedList)
    .option("--seed <s>", "seed of the search itself", seedValue, 1)
    .addOption(new Option("--board <WxH>", "mesh of tiles").argParser(meshSize("--board")).default({ width: 8, height: 8 }, "8x8"))
    .requiredOption("--out <file>", "where to write the settings (JSON, for bench/run --config)")
    .option("--quiet", "no progress line")
    .action(async (opts) => {
      const { tuneCommand } = await import("./commands/tune.js");
      process.exitCode = await tuneCommand(opts);
    });

  program
    .command("replay")
    .description("re-execute a schedule trace (docs/IR.md) on the accelerator model and check it reproduces the run's metrics")
    .argument("<file>", "a trace written by bench --trace or run --trace")
    .option("--json", "print {metrics, recorded, reproduced, differ, ...} as JSON")
    .action(async (file: string, opts) => {
      const { replayCommand } = await import("./commands/replay.js");
      process.exitCode = await replayCommand(file, opts);
    });

  program
    .command("models")
    .description("what the cost model predicts per model: whole-array latency and energy, and every pipeline variant")
    .option("--scenario <spec>", "the scenario whose models to show (an XRBench name, .m or .json file, or dysta)", "VR_gaming")
    .addOption(new Option("--board <WxH>", "mesh of tiles").argParser(meshSize("--board")).default({ width: 8, height: 8 }, "8x8"))
    .option("--json <file>", 'write {"models": [{"name", "wholeArrayMs", "energyMJ", "variants": [...]}]}')
    .action(async (opts) => {
      const { modelsCommand } = await import("./commands/models.js");
      process.exitCode = await modelsCommand(opts);
    });

  program
    .command("fidelity")
    .description("the xrbench policy's scores and the cost model's latencies beside XRBench's own, per scenario and hardware")
    .option(
      "--seeds <n>",
      "seeds 1..n for the scenarios where XRBench draws (default 60, as XRBench's sweep)",
      positiveInteger("--seeds"),
      60,
    )
    .option("--json <file>", "write {pairs, models} as JSON")
    .action(async (opts) => {
      const { fidelityCommand } = await import("./commands/fidelity.js");
      process.exitCode = await fidelityCommand(opts);
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
    if (err instanceof LinkError) {
      process.stderr.write(`immsched: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`immsched: ${(err as Error).stack ?? err}\n`);
    return EXIT_FAILURE;
  }
}
