// `immsched replay FILE [--json]`: a schedule trace (docs/IR.md) re-executed without the core —
// on the accelerator model in virtual time (bench traces), or with the board's reported times
// (run traces) — and its metrics set beside the ones the run reported. Exit 0 when every metric
// is reproduced bit for bit, 1 when one differs, 2 for a trace that does not read.

import { reportedMetricNames } from "../sim/metrics.js";
import { readTrace } from "../trace/reader.js";
import { replayTrace } from "../trace/replay.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit.js";

export interface ReplayCommandOptions {
  json?: boolean;
}

export async function replayCommand(file: string, opts: ReplayCommandOptions): Promise<number> {
  const trace = readTrace(file);
  const r = replayTrace(trace);
  const h = trace.header;
  const reproduced = r.differ.length === 0;
  if (opts.json) {
    const json = {
      file,
      scenario: h.scenario,
      policy: h.policy,
      seed: h.seed,
      source: h.source,
      clock: h.clock,
      commands: r.commands,
      boardEvents: r.boardEvents,
      tasks: r.log.tasks.length,
      reproduced,
      differ: r.differ,
      metrics: r.metrics,
      recorded: r.recorded,
      ...(r.model ? { model: r.model } : {}),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const how =
      h.clock === "virtual"
        ? "on the accelerator model in virtual time"
        : "with the board's reported completions and the host's measured times (taken from the trace)";
    const lines = [
      `immsched replay · ${file}`,
      `  ${h.source} trace v${h.version} · scenario ${h.scenario} · policy ${h.policy} · seed ${h.seed} · ${h.machine} model, ${h.tiles} tiles`,
      `  re-executed ${how}: ${r.log.tasks.length} tasks · ${r.commands} commands · ${r.boardEvents} board events`,
      "",
      `  ${"metric".padEnd(20)}${"replayed".padStart(24)}${"recorded".padStart(24)}`,
      ...reportedMetricNames(r.recorded).map(
        (k) =>
          `  ${k.padEnd(20)}${String(r.metrics[k]).padStart(24)}${String(r.recorded[k]).padStart(24)}${r.differ.includes(k) ? "  differs" : ""}`,
      ),
      "",
      ...(r.model
        ? [
            `  accelerator model, the same commands at the times they were sent: finished ${r.model.modelFinished} of the ${r.model.boardFinished} tasks the board finished` +
              ` · finish |model - board| p50 ${r.model.finishDeltaMsP50.toFixed(3)} ms, max ${r.model.finishDeltaMsMax.toFixed(3)} ms` +
              (r.model.refused ? ` · ${r.model.refused} commands refused by the model` : ""),
            "",
          ]
        : []),
      reproduced
        ? `reproduced: all ${reportedMetricNames(r.recorded).length} metrics bit for bit`
        : `NOT reproduced: ${r.differ.join(", ")} differ${r.differ.length === 1 ? "s" : ""}`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
  }
  return reproduced ? EXIT_OK : EXIT_FAILURE;
}
