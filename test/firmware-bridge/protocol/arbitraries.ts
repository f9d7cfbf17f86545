// fast-check generators of valid protocol messages, for the round-trip and C <-> TS suites.
// They reach every field's extremes (fast-check biases toward bounds) so layouts are exercised
// at 0, max and in between.

import fc from "fast-check";
import {
  DROP_REASON_CODES,
  MAX_ERROR_TEXT,
  MAX_STAGES,
  MAX_STEPS,
  NACK_REASON_CODES,
  type DropReason,
  type Message,
  type NackReason,
} from "../../../firmware-bridge/protocol/index.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const ns = fc.maxSafeNat();
/** Finite, >= 0, never -0 (the wire rejects a set sign bit). */
const energy = fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v));
const printable = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: MAX_ERROR_TEXT }).map((c) => String.fromCharCode(...c));
const tiles = fc.array(u16, { minLength: 0, maxLength: MAX_STAGES });

const preempt = fc.record({ type: fc.constant("preempt" as const), epoch: u32, taskId: u32 });
const drop = fc.record({
  type: fc.constant("drop" as const),
  epoch: u32,
  taskId: u32,
  reason: fc.constantFrom(...(Object.keys(DROP_REASON_CODES) as DropReason[])),
});
const variant = fc.record({ type: fc.constant("variant" as const), taskId: u32, modelId: u16 });
const placement = fc.record({ type: fc.constantFrom("schedule" as const, "resume" as const), epoch: u32, taskId: u32, tiles });
/** A BATCH that fits MAX_PAYLOAD: up to 3 full placements, or up to 40 short commands (10 bytes each at most). */
const batch = fc
  .oneof(
    fc.array(fc.oneof(placement, preempt, drop, variant), { minLength: 1, maxLength: 3 }),
    fc.array(fc.oneof(preempt, drop, variant), { minLength: 1, maxLength: 40 }),
  )
  .map((commands) => ({ type: "batch" as const, commands }));

export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant("hello" as const),
    protocolVersion: fc.integer({ min: 1, max: 0xff }),
    fwMajor: u8,
    fwMinor: u8,
    fwPatch: u8,
    meshWidth: fc.integer({ min: 1, max: 0xffff }),
    meshHeight: fc.integer({ min: 1, max: 0xffff }),
    pesPerTile: u16,
    clockMhz: u16,
    maxTasks: u16,
    flags: u16,
    boardTimeNs: ns,
    boardId: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
  }),
  fc.constant({ type: "hello_request" as const }),
  fc.record({ type: fc.constant("arrival" as const), taskId: u32, modelId: u16, priority: u8, frame: u32, arrivalNs: ns, deadlineNs: ns }),
  fc.record({
    type: fc.constant("stage_done" as const),
    taskId: u32,
    stage: fc.integer({ min: 0, max: MAX_STEPS - 1 }),
    busyNs: ns,
    boardTimeNs: ns,
  }),
  fc.record({ type: fc.constant("task_done" as const), taskId: u32, boardTimeNs: ns, energyPJ: energy }),
  placement,
  preempt,
  drop,
  batch,
  variant,
  fc.record({ type: fc.constant("ack" as const), ackedSeq: u16, epoch: u32 }),
  fc.record({
    type: fc.constant("nack" as const),
    ackedSeq: u16,
    reason: fc.constantFrom(...(Object.keys(NACK_REASON_CODES) as NackReason[])),
  }),
  fc.record({ type: fc.constant("heartbeat" as const), boardTimeNs: ns, counter: u32, rxRejected: u32 }),
  fc.record({
    type: fc.constant("telemetry" as const),
    boardTimeNs: ns,
    energyPJ: energy,
    powerMw: u32,
    busyTiles: u16,
    runningTasks: u16,
    queuedTasks: u16,
    tempCentiC: fc.integer({ min: -32768, max: 32767 }),
  }),
  fc.record({ type: fc.constant("error" as const), code: u16, text: printable }),
);

export const seq = u16;
