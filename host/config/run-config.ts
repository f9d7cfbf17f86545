// `immsched run --config FILE`: a JSON file whose keys are the run's command-line options (their
// long names in camelCase: `board`, `graceMs`, `logFormat`, ...), checked against a schema (zod)
// before anything starts, so a service fails at once with the file and field named. Values on the
// command line win over the file. Secrets never come from the file (it is often world-readable or
// in version control): broker credentials only from the environment (`IMMSCHED_MQTT_USERNAME`,
// `IMMSCHED_MQTT_PASSWORD`), and a key or URL that carries one is refused.

import { readFileSync } from "node:fs";
import { z } from "zod";
import { ALL_POLICIES } from "../core/controller.js";
import { InputError, fieldPath, parseJson } from "../formats/input-error.js";
import { LOG_FORMATS, LOG_LEVELS } from "../log/logger.js";
import { TUNED_SETTINGS } from "../tune/settings.js";

const positive = z.number().positive().finite();

/** Every option of `immsched run` (host/program.ts), as its commander attribute name. */
export const RUN_CONFIG_SCHEMA = z.strictObject({
  board: z.string().refine((s) => !/^mqtts?:\/\/[^/]*@/.test(s), {
    message: "credentials in the board URL: give them in IMMSCHED_MQTT_USERNAME and IMMSCHED_MQTT_PASSWORD instead",
  }),
  scenario: z.string().min(1),
  policy: z.enum(ALL_POLICIES as unknown as [string, ...string[]]),
  duration: positive,
  graceMs: z.number().int().nonnegative(),
  seed: z.number().int().min(0).max(0xffffffff),
  mesh: z.string().regex(/^\d+x\d+$/i, "expected WxH, like 8x8"),
  timeScale: positive,
  json: z.string().min(1),
  monitor: z.union([z.boolean(), z.number().int().min(1).max(65535)]),
  quiet: z.boolean(),
  logFormat: z.enum(LOG_FORMATS),
  logLevel: z.enum(LOG_LEVELS),
  trace: z.string().min(1),
  coreTrapEvery: z.number().int().positive(),
  variants: z.boolean(),
  // the settings `immsched tune --out` writes (host/tune/settings.ts): such a file is a run config too
  version: z.literal(1),
  params: TUNED_SETTINGS.shape.params,
  solveBudget: TUNED_SETTINGS.shape.solveBudget.unwrap(),
  tuning: TUNED_SETTINGS.shape.tuning.unwrap(),
});

export type RunConfig = z.infer<typeof RUN_CONFIG_SCHEMA>;

/** Keys that look like a secret: refused with a pointer to the environment. */
const SECRET_KEY = /pass(word)?|secret|token|credential|username|user$/i;

/** Reads and checks a config file; throws InputError naming the file and the field. */
export function readRunConfig(file: string): Partial<RunConfig> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const doc = parseJson(text, { file });
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new InputError("expected a JSON object of run options", { file });
  for (const key of Object.keys(doc)) {
    if (SECRET_KEY.test(key))
      throw new InputError(
        "secrets are not read from the config file: set IMMSCHED_MQTT_USERNAME / IMMSCHED_MQTT_PASSWORD in the environment",
        {
          file,
          field: key,
        },
      );
  }
  const r = RUN_CONFIG_SCHEMA.partial().safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = fieldPath(issue.path);
    const known = issue.code === "unrecognized_keys" ? ` (keys: ${Object.keys(RUN_CONFIG_SCHEMA.shape).join(", ")})` : "";
    const key = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    throw new InputError(`${issue.message}${known}`, { file, field: key ?? (field || undefined) });
  }
  return r.data;
}

/** Broker credentials from the environment (the only place secrets come from). */
export function mqttAuthFromEnv(env: NodeJS.ProcessEnv = process.env): { username?: string; password?: string } {
  const out: { username?: string; password?: string } = {};
  if (env.IMMSCHED_MQTT_USERNAME) out.username = env.IMMSCHED_MQTT_USERNAME;
  if (env.IMMSCHED_MQTT_PASSWORD) out.password = env.IMMSCHED_MQTT_PASSWORD;
  return out;
}
