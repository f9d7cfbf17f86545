// The external arrivals feed: tasks other services publish as JSON on immsched/<board>/arrivals,
// `{"id": u32, "model": name, "priority"?: 1|3|9, "deadlineMs"?: number >= 0}` (README). The
// host schedules them and the board runs them; both read the message with this one parser, so
// they accept and refuse the same tasks.

export interface ExternalArrival {
  /** Task id, chosen by the publisher. */
  id: number;
  model: string;
  priority?: 1 | 3 | 9;
  /** Relative deadline, ms. */
  deadlineMs?: number;
}

export type ExternalArrivalResult = { ok: true; arrival: ExternalArrival } | { ok: false; reason: string };

/** Longest message accepted, bytes: a task is ~80 bytes of JSON; anything far longer is refused unread. */
export const MAX_EXTERNAL_ARRIVAL_BYTES = 1024;

export function parseExternalArrival(payload: Uint8Array): ExternalArrivalResult {
  const no = (reason: string): ExternalArrivalResult => ({ ok: false, reason });
  if (payload.length > MAX_EXTERNAL_ARRIVAL_BYTES) return no(`longer than ${MAX_EXTERNAL_ARRIVAL_BYTES} bytes (${payload.length})`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return no("not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return no("not a JSON object");
  const o = v as Record<string, unknown>;
  const id = o.id;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffffffff) return no(`"id" must be an integer in 0..4294967295`);
  if (typeof o.model !== "string") return no(`task ${id}: "model" must be a model name`);
  if (o.priority !== undefined && o.priority !== 1 && o.priority !== 3 && o.priority !== 9)
    return no(`task ${id}: priority must be 1, 3 or 9`);
  if (o.deadlineMs !== undefined && !(typeof o.deadlineMs === "number" && Number.isFinite(o.deadlineMs) && o.deadlineMs >= 0)) {
    return no(`task ${id}: deadlineMs must be a number >= 0`);
  }
  return {
    ok: true,
    arrival: { id, model: o.model, priority: o.priority as 1 | 3 | 9 | undefined, deadlineMs: o.deadlineMs as number | undefined },
  };
}
