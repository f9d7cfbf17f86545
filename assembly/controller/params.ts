// The controller's tunable knobs in one table (issue "adaptive scheduling"): the host may set them
// after controllerStart, from a tuned configuration (`immsched tune`) or an online tuner, and each
// is read where it acts. Defaults are the values measured in docs/MEASUREMENTS.md; a run that sets
// none behaves exactly as before the table existed. The host checks each value's range
// (host/core/controller.ts PARAM_RANGES); the core refuses only an unknown id (bytes are scarce).

/** Share of a task's fastest estimate that must fit before its deadline to keep it (controller.ts dropExpired). */
export const PARAM_HOPELESS_SHARE: i32 = 0;
/** Share of the time left a pipeline may take and still count as meeting the deadline (elastic sizing). */
export const PARAM_SLACK_SHARE: i32 = 1;
/** Dysta's beta: weight of slack and waiting against remaining work (policies/dysta.ts). */
export const PARAM_DYSTA_BETA: i32 = 2;
/** Most running tasks one arrival may pre-empt to get its tiles (0: never pre-empt for tiles). */
export const PARAM_MAX_VICTIMS: i32 = 3;
export const PARAM_COUNT: i32 = 4;

/** Largest victim count the controller's buffers hold. */
export const MAX_VICTIMS: i32 = 3;

// static data, no allocation: the defaults in one segment, the live values in another (the core
// is within bytes of its 20 KiB budget)
const DEFAULTS = memory.data<f64>([0.75, 0.35, 0.01, <f64>MAX_VICTIMS]);
const values = memory.data(PARAM_COUNT << 3);

/** Every knob back to its default (each controllerStart). */
export function paramsReset(): void {
  memory.copy(values, DEFAULTS, PARAM_COUNT << 3);
}

/** False for an unknown id (the host checks each value's range: host/core/controller.ts PARAM_RANGES). */
export function setParam(id: i32, value: f64): bool {
  if (<u32>id >= <u32>PARAM_COUNT) return false;
  store<f64>(values + (<usize>id << 3), value);
  return true;
}

/** `id` is one of the PARAM_* constants: a compile-time bound. */
@inline export function param(id: i32): f64 {
  return load<f64>(values + (<usize>id << 3));
}
