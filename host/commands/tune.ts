// `immsched tune`: searches a policy's settings (controller knobs, solve budget) with the simulator
// in the loop (tune/search.ts), then measures the defaults and the result on held-back seeds it
// did not tune on, and writes the settings that `bench --config` and `run --config` take.

import { writeFileAtomic } from "../formats/write-atomic.js";
import type { PolicyName } from "../core/controller.js";
import { machineLine } from "../bench/machine.js";
import { type Setting, evaluate, search } from "../tune/search.js";
import type { Outcome, TunedSettings } from "../tune/settings.js";
import { EXIT_OK } from "./exit.js";

export interface TuneCommandOptions {
  scenario: string;
  rate?: number[];
  policy: PolicyName;
  budget: number;
  seeds: number[];
  heldOut?: number[];
  seed: number;
  board: { width: number; height: number };
  out: string;
  quiet?: boolean;
}

/** Held-back seeds by default: as many as the training seeds, right after the largest of them. */
export function defaultHeldOut(train: readonly number[]): number[] {
  const top = Math.max(...train);
  return train.map((_, i) => top + 1 + i);
}

const show = (o: Outcome) =>
  `loss ${o.loss.toFixed(4)} · violations ${(100 * o.violationRate).toFixed(2)} % · XRBench score ${o.xrbenchScore.toFixed(2)}`;

export async function tuneCommand(opts: TuneCommandOptions): Promise<number> {
  const heldOut = opts.heldOut ?? defaultHeldOut(opts.seeds);
  const overlap = heldOut.filter((s) => opts.seeds.includes(s));
  if (overlap.length) throw new RangeError(`--held-out seeds ${overlap.join(",")} are also training seeds: they would not be held back`);
  const workload = {
    scenarios: [opts.scenario],
    rates: opts.rate,
    board: { mesh: { width: opts.board.width, height: opts.board.height, torus: false } },
  };
  const t0 = performance.now();
  const r = await search({
    policy: opts.policy,
    workload,
    trainSeeds: opts.seeds,
    budget: opts.budget,
    seed: opts.seed,
    progress: opts.quiet ? undefined : (n, best) => process.stderr.write(`\rtune ${n}/${opts.budget} · best ${show(best)}   `),
  });
  if (!opts.quiet) process.stderr.write("\n");
  const def: Setting = { params: { hopelessShare: 0.75, slackShare: 0.35, dystaBeta: 0.01, maxVictims: 3 }, solveBudget: 200_000 };
  const heldDefault = await evaluate(opts.policy, def, workload, heldOut);
  const heldTuned = await evaluate(opts.policy, r.best, workload, heldOut);
  const settings: TunedSettings = {
    version: 1,
    policy: opts.policy,
    params: r.best.params,
    solveBudget: r.best.solveBudget,
    tuning: {
      scenario: opts.rate ? `${opts.scenario}@${opts.rate.join(",")}/s` : opts.scenario,
      trainSeeds: opts.seeds,
      heldOutSeeds: heldOut,
      budget: r.evaluated,
      default: { train: r.defaultOutcome, heldOut: heldDefault },
      tuned: { train: r.bestOutcome, heldOut: heldTuned },
    },
  };
  writeFileAtomic(opts.out, `${JSON.stringify(settings, null, 2)}\n`);
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write(
    [
      `# immsched tune · ${opts.policy} · ${settings.tuning!.scenario}`,
      `machine: ${machineLine()} · ${r.evaluated} settings evaluated in ${secs.toFixed(1)} s`,
      `train seeds ${opts.seeds.join(",")}:     default ${show(r.defaultOutcome)}`,
      `                      tuned   ${show(r.bestOutcome)}`,
      `held-out seeds ${heldOut.join(",")}: default ${show(heldDefault)}`,
      `                      tuned   ${show(heldTuned)}`,
      `${heldTuned.loss < heldDefault.loss ? "tuned beats the defaults on the held-out seeds" : heldTuned.loss === heldDefault.loss ? "tuned ties the defaults on the held-out seeds" : "tuned loses to the defaults on the held-out seeds (over-fitted to the training seeds)"}`,
      `settings: ${JSON.stringify({ params: r.best.params, solveBudget: r.best.solveBudget })} -> ${opts.out}`,
      "",
    ].join("\n"),
  );
  return EXIT_OK;
}
