// A zod validation failure as an InputError: the first issue, its field path, and two issues made
// readable (an unknown key names the key; a failed union says what the closest shape wanted).
// Shared by the readers that validate JSON with zod (workload traces, schedule traces, tune settings).

import type { z } from "zod";
import { InputError, type InputLocation, fieldPath } from "./input-error.js";

/**
 * The InputError for `err` at `where` (file, line). With `union`, a failed union reports the first
 * branch's issue that has a path, else `union` (what the shapes are); without, zod's own message.
 */
export function zodInputError(err: z.ZodError, where: Omit<InputLocation, "field"> = {}, union?: string): InputError {
  const issue = err.issues[0]!;
  let path: PropertyKey[] = [...issue.path];
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = (issue as { keys: string[] }).keys[0]!;
    path = [...path, key];
    message = `unknown field "${key}"`;
  } else if (issue.code === "invalid_union" && union !== undefined) {
    const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
    const deeper = branches.map((b) => b[0]).find((i): i is z.core.$ZodIssue => !!i && i.path.length > 0);
    if (deeper) {
      path = [...path, ...deeper.path];
      message = deeper.message;
    } else message = union;
  }
  return new InputError(message, { ...where, field: fieldPath(path) || undefined });
}
