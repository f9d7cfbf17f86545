// Tuned settings: what `immsched tune` writes and `bench --config` (and `run --config`) read.
// JSON, validated with zod; every field but `params` is a record of how the settings were found.
//
//   {"version": 1, "policy": "immsched", "params": {"slackShare": 0.3, ...}, "solveBudget": 200000,
//    "tuning": {"scenario", "trainSeeds", "heldOutSeeds", "budget", "default", "tuned"}}

import { readFileSync } from "node:fs";
import { z } from "zod";
import { ALL_POLICIES, type ControllerParams } from "../core/controller.js";
import { InputError, parseJson } from "../formats/input-error.js";
import { zodInputError } from "../formats/zod-error.js";

const PARAMS = z
  .object({
    hopelessShare: z.number().min(0).max(2).optional(),
    slackShare: z.number().min(0.05).max(1).optional(),
    dystaBeta: z.number().min(0).max(10).optional(),
    maxVictims: z.number().int().min(0).max(3).optional(),
  })
  .strict();

const OUTCOME = z.object({ loss: z.number(), violationRate: z.number(), xrbenchScore: z.number() });

export const TUNED_SETTINGS = z
  .object({
    version: z.literal(1),
    policy: z.enum(ALL_POLICIES as unknown as [string, ...string[]]),
    params: PARAMS,
    solveBudget: z.number().int().min(1000).max(100_000_000).optional(),
    tuning: z
      .object({
        scenario: z.string(),
        trainSeeds: z.array(z.number().int()),
        heldOutSeeds: z.array(z.number().int()),
        budget: z.number().int(),
        default: z.object({ train: OUTCOME, heldOut: OUTCOME }),
        tuned: z.object({ train: OUTCOME, heldOut: OUTCOME }),
      })
      .optional(),
  })
  .strict();

export type TunedSettings = z.infer<typeof TUNED_SETTINGS> & { params: ControllerParams };
export type Outcome = z.infer<typeof OUTCOME>;

/** Reads and checks a settings file; errors name the file and the field. */
export function readTunedSettings(file: string): TunedSettings {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  const r = TUNED_SETTINGS.safeParse(parseJson(text, { file }));
  if (!r.success) throw zodInputError(r.error, { file });
  return r.data as TunedSettings;
}
