// Writes vectors.txt, the test vectors both codecs must pass (format: format.ts). Run once when
// the protocol changes: `npx tsx firmware-bridge/vectors/generate.ts`. The committed vectors.txt
// is the source of truth: tests read it and never regenerate it, so a codec change that alters
// bytes fails until someone regenerates deliberately and reviews the diff.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  MAX_NS,
  MAX_STAGES,
  MAX_STEPS,
  MSG,
  MAX_BATCH,
  PROTOCOL_VERSION,
  HELLO_HEADER_VERSION,
  NO_FRAME,
  TEMP_UNKNOWN,
  HELLO_FLAGS,
  cobsEncode,
  decodeFrame,
  encodeMessage,
  frameBytes,
  toWire,
  type DecodeError,
  type Message,
} from "../protocol/index.js";
import { formatVector, type Vector } from "./format.js";

const vectors: Vector[] = [];

function ok(name: string, seq: number, message: Message): void {
  const raw = encodeMessage(message, seq);
  vectors.push({ kind: "ok", name, seq, message, raw, wire: toWire(raw) });
}

function bad(name: string, error: DecodeError, raw: Uint8Array): void {
  const r = decodeFrame(raw);
  // Guard the generator itself: a negative vector must fail the way its name says.
  if (r.ok || r.error !== error) throw new Error(`${name}: TS decodes it as ${JSON.stringify(r)}, expected ${error}`);
  vectors.push({ kind: "bad", name, error, ...(r.seq === undefined ? {} : { seq: r.seq }), raw, wire: toWire(raw) });
}

function cobs(name: string, raw: Uint8Array): void {
  const enc = cobsEncode(raw);
  const wire = new Uint8Array(enc.length + 1);
  wire.set(enc);
  vectors.push({ kind: "cobs", name, raw, wire });
}

/** A valid message's payload, edited (in place, or replaced by what `edit` returns), in a frame with a correct CRC. */
// biome-ignore lint/suspicious/noConfusingVoidType: an in-place edit returns nothing, a resizing one the new payload
function edited(m: Message, seq: number, edit: (p: Uint8Array, v: DataView) => Uint8Array | void): Uint8Array {
  const f = encodeMessage(m, seq);
  const p = f.slice(6, f.length - 2);
  const out = edit(p, new DataView(p.buffer)) ?? p;
  return frameBytes(m.type === "hello" ? HELLO_HEADER_VERSION : PROTOCOL_VERSION, MSG[m.type], seq, out);
}

const nonzeroRun = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i % 255) + 1);
const ascii = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join("");

// ---- one or more per message type ---------------------------------------------------------------
const hello: Message = {
  type: "hello",
  protocolVersion: 2,
  fwMajor: 1,
  fwMinor: 4,
  fwPatch: 2,
  meshWidth: 8,
  meshHeight: 8,
  pesPerTile: 256,
  clockMhz: 800,
  maxTasks: 32,
  flags: HELLO_FLAGS.tileSpatial | HELLO_FLAGS.layerTemporal,
  boardTimeNs: 1_234_567_890,
  boardId: "board-01",
};
ok("hello_basic", 0, hello);
// a protocol-1 board's HELLO still decodes (header version 1): the host refuses the session by name (§6)
ok("hello_protocol_1_board", 1, { ...hello, protocolVersion: 1 } as Message);
ok("hello_max", 65535, {
  type: "hello",
  protocolVersion: 255,
  fwMajor: 255,
  fwMinor: 255,
  fwPatch: 255,
  meshWidth: 16,
  meshHeight: 16,
  pesPerTile: 65535,
  clockMhz: 65535,
  maxTasks: 65535,
  flags: 0xffff,
  boardTimeNs: MAX_NS,
  boardId: "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123",
});
ok("hello_request_empty_payload", 7, { type: "hello_request" });
const arrival: Message = {
  type: "arrival",
  taskId: 42,
  modelId: 3,
  priority: 2,
  frame: 17,
  arrivalNs: 5_000_000_000,
  deadlineNs: 5_033_333_333,
};
ok("arrival_basic", 1, arrival);
ok("arrival_no_frame_max_ids", 0x1234, {
  type: "arrival",
  taskId: 0xffff_ffff,
  modelId: 0xffff,
  priority: 255,
  frame: NO_FRAME,
  arrivalNs: MAX_NS - 1,
  deadlineNs: MAX_NS,
});
ok("arrival_all_zero", 0, { type: "arrival", taskId: 0, modelId: 0, priority: 0, frame: 0, arrivalNs: 0, deadlineNs: 0 });
ok("stage_done_basic", 2, { type: "stage_done", taskId: 42, stage: 3, busyNs: 812_500, boardTimeNs: 5_002_000_000 });
ok("stage_done_last_stage", 3, { type: "stage_done", taskId: 7, stage: MAX_STAGES - 1, busyNs: 0, boardTimeNs: 2 ** 40 + 5 });
ok("stage_done_last_layer", 4, { type: "stage_done", taskId: 7, stage: MAX_STEPS - 1, busyNs: 1200, boardTimeNs: 77 });
ok("task_done_basic", 4, { type: "task_done", taskId: 42, boardTimeNs: 5_020_000_000, energyPJ: 1_234_567.891 });
ok("task_done_zero_energy", 5, { type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: 0 });
ok("task_done_tiny_energy", 6, { type: "task_done", taskId: 2, boardTimeNs: 3, energyPJ: 5e-324 });
ok("schedule_basic", 10, { type: "schedule", epoch: 9, taskId: 42, tiles: [0, 1, 9, 10, 18] });
ok("schedule_one_stage", 11, { type: "schedule", epoch: 1, taskId: 5, tiles: [255] });
ok("schedule_max_stages", 12, {
  type: "schedule",
  epoch: 0xffff_ffff,
  taskId: 77,
  tiles: Array.from({ length: MAX_STAGES }, (_, i) => 255 - i),
});
ok("schedule_wide_tiles", 13, { type: "schedule", epoch: 2, taskId: 6, tiles: [256, 0, 65535, 512] });
ok("resume_basic", 14, { type: "resume", epoch: 12, taskId: 42, tiles: [27, 28, 36] });
ok("resume_max_stages", 15, { type: "resume", epoch: 13, taskId: 43, tiles: Array.from({ length: MAX_STAGES }, (_, i) => i) });
ok("preempt_basic", 16, { type: "preempt", epoch: 11, taskId: 42 });
ok("drop_deadline", 17, { type: "drop", epoch: 20, taskId: 50, reason: "deadline" });
ok("drop_queue_full", 18, { type: "drop", epoch: 21, taskId: 51, reason: "queue-full" });
ok("drop_unplaceable", 19, { type: "drop", epoch: 22, taskId: 52, reason: "unplaceable" });
ok("drop_unknown_model", 20, { type: "drop", epoch: 23, taskId: 53, reason: "unknown-model" });
ok("ack_basic", 100, { type: "ack", ackedSeq: 10, epoch: 9 });
ok("ack_all_zero", 0, { type: "ack", ackedSeq: 0, epoch: 0 });
ok("nack_crc", 101, { type: "nack", ackedSeq: 16, reason: "crc" });
ok("nack_busy", 102, { type: "nack", ackedSeq: 65535, reason: "busy" });
ok("heartbeat_basic", 30, { type: "heartbeat", boardTimeNs: 60_000_000_000, counter: 60, rxRejected: 2 });
ok("telemetry_basic", 31, {
  type: "telemetry",
  boardTimeNs: 61_000_000_000,
  energyPJ: 9.87654321e12,
  powerMw: 4200,
  busyTiles: 41,
  runningTasks: 3,
  queuedTasks: 5,
  tempCentiC: 4525,
});
ok("telemetry_no_sensor", 32, {
  type: "telemetry",
  boardTimeNs: 0,
  energyPJ: 0,
  powerMw: 0,
  busyTiles: 0,
  runningTasks: 0,
  queuedTasks: 0,
  tempCentiC: TEMP_UNKNOWN,
});
ok("telemetry_below_zero", 33, {
  type: "telemetry",
  boardTimeNs: 1,
  energyPJ: 0.5,
  powerMw: 0xffff_ffff,
  busyTiles: 256,
  runningTasks: 65535,
  queuedTasks: 65535,
  tempCentiC: -1050,
});
ok("error_basic", 40, { type: "error", code: 3, text: "accelerator fault on tile 12" });
ok("error_empty_text", 41, { type: "error", code: 1, text: "" });
// 0x0101 seq, 258-byte payload, nonzero code and text: a run of more than 254 nonzero bytes.
ok("error_long_text_cobs_run", 0x0101, { type: "error", code: 0x4141, text: ascii(255) });

// ---- negative: the decoder's checks, one by one, and their order ------------------------------
const preempt = encodeMessage({ type: "preempt", epoch: 11, taskId: 42 }, 0x0203);
const flip = (f: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const g = f.slice();
  g[at < 0 ? g.length + at : at]! ^= mask;
  return g;
};
bad("truncated_empty", "truncated", new Uint8Array(0));
bad("truncated_3_bytes", "truncated", preempt.slice(0, 3));
bad("truncated_7_bytes", "truncated", preempt.slice(0, 7));
bad("truncated_payload", "truncated", preempt.slice(0, preempt.length - 3));
bad("length_over_max", "length", Uint8Array.from([1, 0x21, 4, 0, 0x01, 0x02, 0, 0]));
bad("length_trailing_byte", "length", Uint8Array.from([...preempt, 0x55]));
bad("length_before_crc", "length", flip(Uint8Array.from([...preempt, 0x55]), -3));
bad("crc_flipped_crc_byte", "crc", flip(preempt, -1));
bad("crc_flipped_payload_bit", "crc", flip(preempt, 9, 0x80));
bad("crc_flipped_seq", "crc", flip(preempt, 2));
bad("crc_before_version", "crc", flip(frameBytes(3, MSG.preempt, 5, preempt.slice(6, 14)), -2));
bad("version_3", "version", frameBytes(3, MSG.preempt, 0x0203, preempt.slice(6, 14)));
// a protocol-1 peer: its commands and ACKs are refused; only a HELLO may carry header version 1
bad("version_1_preempt", "version", frameBytes(1, MSG.preempt, 0x0204, preempt.slice(6, 14)));
bad("version_1_ack", "version", frameBytes(1, MSG.ack, 0x0205, new Uint8Array(6)));
bad("version_0", "version", frameBytes(0, MSG.ack, 9, new Uint8Array(6)));
bad("type_unknown_0x7f", "type", frameBytes(PROTOCOL_VERSION, 0x7f, 0x0304, new Uint8Array(3)));
bad("type_zero", "type", frameBytes(PROTOCOL_VERSION, 0x00, 1, new Uint8Array(0)));
bad("length_preempt_short", "length", frameBytes(PROTOCOL_VERSION, MSG.preempt, 8, preempt.slice(6, 13)));
bad("length_ack_long", "length", frameBytes(PROTOCOL_VERSION, MSG.ack, 8, new Uint8Array(7)));
bad("length_hello_request_payload", "length", frameBytes(PROTOCOL_VERSION, MSG.hello_request, 8, new Uint8Array(1)));
bad("length_hello_short_fixed", "length", frameBytes(HELLO_HEADER_VERSION, MSG.hello, 8, new Uint8Array(24)));
bad(
  "length_hello_id_short",
  "length",
  edited(hello, 9, (p) => p.slice(0, p.length - 1)),
);
bad(
  "length_schedule_count",
  "length",
  edited({ type: "schedule", epoch: 1, taskId: 2, tiles: [3, 4, 5] }, 10, (p) => p.slice(0, p.length - 2)),
);
bad(
  "length_error_text",
  "length",
  edited({ type: "error", code: 1, text: "abc" }, 11, (p) => {
    p[2] = 4;
  }),
);
ok("schedule_temporal_zero_stages", 12, { type: "schedule", epoch: 3, taskId: 9, tiles: [] });
bad(
  "range_schedule_65_stages",
  "range",
  edited({ type: "schedule", epoch: 1, taskId: 2, tiles: new Array<number>(64).fill(1) }, 13, (p) => {
    const q = new Uint8Array(p.length + 2);
    q.set(p);
    q[8] = 65;
    return q;
  }),
);
bad(
  "range_resume_count_before_length",
  "range",
  edited({ type: "resume", epoch: 1, taskId: 2, tiles: [1] }, 14, (p) => {
    p[8] = 200;
  }),
);
bad(
  "range_stage_8192",
  "range",
  edited({ type: "stage_done", taskId: 1, stage: 0, busyNs: 1, boardTimeNs: 1 }, 15, (p) => {
    p[4] = 0x00;
    p[5] = 0x20;
  }),
);
bad(
  "range_drop_reason_0",
  "range",
  edited({ type: "drop", epoch: 1, taskId: 1, reason: "deadline" }, 16, (p) => {
    p[8] = 0;
  }),
);
bad(
  "range_drop_reason_5",
  "range",
  edited({ type: "drop", epoch: 1, taskId: 1, reason: "deadline" }, 17, (p) => {
    p[8] = 5;
  }),
);
bad(
  "range_nack_reason_8",
  "range",
  edited({ type: "nack", ackedSeq: 1, reason: "crc" }, 18, (p) => {
    p[2] = 8;
  }),
);
bad(
  "range_time_2_pow_53",
  "range",
  edited({ type: "heartbeat", boardTimeNs: 0, counter: 1, rxRejected: 0 }, 19, (_p, v) => {
    v.setUint32(4, 0x20_0000, true);
  }),
);
bad(
  "range_deadline_max_u64",
  "range",
  edited(arrival, 20, (p) => {
    p.fill(0xff, 19, 27);
  }),
);
bad(
  "range_energy_nan",
  "range",
  edited({ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: 0 }, 21, (_p, v) => {
    v.setFloat64(12, NaN, true);
  }),
);
bad(
  "range_energy_infinity",
  "range",
  edited({ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: 0 }, 22, (_p, v) => {
    v.setFloat64(12, Infinity, true);
  }),
);
bad(
  "range_energy_negative",
  "range",
  edited({ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: 0 }, 23, (_p, v) => {
    v.setFloat64(12, -1.5, true);
  }),
);
bad(
  "range_energy_negative_zero",
  "range",
  edited(
    { type: "telemetry", boardTimeNs: 1, energyPJ: 0, powerMw: 0, busyTiles: 0, runningTasks: 0, queuedTasks: 0, tempCentiC: 0 },
    24,
    (_p, v) => {
      v.setFloat64(8, -0, true);
    },
  ),
);
bad(
  "range_error_text_control",
  "range",
  edited({ type: "error", code: 1, text: "abc" }, 25, (p) => {
    p[4] = 0x07;
  }),
);
bad(
  "range_error_text_high",
  "range",
  edited({ type: "error", code: 1, text: "abc" }, 26, (p) => {
    p[5] = 0x80;
  }),
);
bad(
  "range_hello_id_slash",
  "range",
  edited(hello, 27, (p) => {
    p[25 + 5] = 0x2f;
  }),
);
bad(
  "range_hello_id_len_0",
  "range",
  edited(hello, 28, (p) => {
    const q = p.slice(0, 25);
    q[24] = 0;
    return q;
  }),
);
bad(
  "range_hello_id_len_33",
  "range",
  edited(hello, 29, (p) => {
    p[24] = 33;
  }),
);
bad(
  "range_hello_width_0",
  "range",
  edited(hello, 30, (p) => {
    p[4] = 0;
    p[5] = 0;
  }),
);
bad(
  "range_hello_version_0",
  "range",
  edited(hello, 31, (p) => {
    p[0] = 0;
  }),
);

// ---- BATCH (protocol 2): the commands of one decision in one frame ----------------------------------
ok("batch_one", 50, { type: "batch", commands: [{ type: "preempt", epoch: 11, taskId: 42 }] });
ok("batch_preempt_then_place", 51, {
  type: "batch",
  commands: [
    { type: "preempt", epoch: 12, taskId: 42 },
    { type: "schedule", epoch: 12, taskId: 43, tiles: [0, 1, 9, 10] },
    { type: "drop", epoch: 12, taskId: 44, reason: "deadline" },
  ],
});
ok("batch_all_kinds", 52, {
  type: "batch",
  commands: [
    { type: "schedule", epoch: 13, taskId: 1, tiles: [] },
    { type: "resume", epoch: 13, taskId: 2, tiles: [63, 62] },
    { type: "preempt", epoch: 13, taskId: 3 },
    { type: "drop", epoch: 13, taskId: 4, reason: "unknown-model" },
  ],
});
const batchMax = {
  type: "batch" as const,
  commands: Array.from({ length: MAX_BATCH }, (_, i) => ({ type: "preempt" as const, epoch: 14, taskId: i })),
};
ok("batch_max_commands", 53, batchMax);
ok("batch_three_full_pipelines", 54, {
  type: "batch",
  commands: [0, 1, 2].map((k) => ({
    type: "schedule" as const,
    epoch: 15,
    taskId: k,
    tiles: Array.from({ length: MAX_STAGES }, (_, i) => (i + k) % 256),
  })),
});
const batch2 = encodeMessage(
  {
    type: "batch",
    commands: [
      { type: "preempt", epoch: 1, taskId: 2 },
      { type: "drop", epoch: 1, taskId: 3, reason: "deadline" },
    ],
  },
  60,
);
const batchPayload = batch2.slice(6, batch2.length - 2);
const batchFrame = (edit: (p: Uint8Array) => Uint8Array | undefined): Uint8Array => {
  const p = batchPayload.slice();
  return frameBytes(PROTOCOL_VERSION, MSG.batch, 60, edit(p) ?? p);
};
bad("length_batch_empty", "length", frameBytes(PROTOCOL_VERSION, MSG.batch, 60, new Uint8Array(0)));
bad("range_batch_count_0", "range", frameBytes(PROTOCOL_VERSION, MSG.batch, 60, Uint8Array.from([0])));
bad(
  "range_batch_count_over_max",
  "range",
  frameBytes(PROTOCOL_VERSION, MSG.batch, 60, Uint8Array.from([MAX_BATCH + 1, ...new Uint8Array(9)])),
);
bad(
  "length_batch_count_above_entries",
  "length",
  batchFrame((p) => {
    p[0] = 3;
    return undefined;
  }),
);
bad(
  "length_batch_entry_cut",
  "length",
  batchFrame((p) => p.slice(0, p.length - 1)),
);
bad(
  "length_batch_trailing_byte",
  "length",
  batchFrame((p) => Uint8Array.from([...p, 0x21])),
);
bad(
  "range_batch_entry_not_a_command",
  "range",
  batchFrame((p) => {
    p[1] = MSG.ack;
    return undefined;
  }),
);
bad(
  "range_batch_nested_batch",
  "range",
  batchFrame((p) => {
    p[1] = MSG.batch;
    return undefined;
  }),
);
bad(
  "range_batch_drop_reason",
  "range",
  batchFrame((p) => {
    p[p.length - 1] = 9;
    return undefined;
  }),
);
bad(
  "range_batch_stages_over_64",
  "range",
  frameBytes(PROTOCOL_VERSION, MSG.batch, 61, Uint8Array.from([1, MSG.schedule, 1, 0, 0, 0, 2, 0, 0, 0, 65])),
);
bad("version_1_batch", "version", frameBytes(1, MSG.batch, 62, batchPayload));

// ---- VARIANT (model variants, to a board with HELLO flag modelVariants): alone and in a BATCH ------
ok("variant", 70, { type: "variant", taskId: 77, modelId: 12 });
ok("variant_max", 71, { type: "variant", taskId: 0xffff_ffff, modelId: 0xffff });
ok("batch_variant_then_place", 72, {
  type: "batch",
  commands: [
    { type: "variant", taskId: 43, modelId: 21 },
    { type: "schedule", epoch: 16, taskId: 43, tiles: [0, 1] },
  ],
});
bad("length_variant_short", "length", frameBytes(PROTOCOL_VERSION, MSG.variant, 73, Uint8Array.from([1, 0, 0, 0, 2])));
bad("length_variant_long", "length", frameBytes(PROTOCOL_VERSION, MSG.variant, 74, Uint8Array.from([1, 0, 0, 0, 2, 0, 0])));

// ---- COBS alone ---------------------------------------------------------------------------------
cobs("cobs_empty", new Uint8Array(0));
cobs("cobs_one_zero", Uint8Array.from([0]));
cobs("cobs_two_zeros", Uint8Array.from([0, 0]));
cobs("cobs_mixed", Uint8Array.from([0x11, 0x22, 0x00, 0x33]));
cobs("cobs_trailing_zero", Uint8Array.from([0x11, 0x00]));
cobs("cobs_run_253", nonzeroRun(253));
cobs("cobs_run_254", nonzeroRun(254));
cobs("cobs_run_255", nonzeroRun(255));
cobs("cobs_run_254_then_zero", Uint8Array.from([...nonzeroRun(254), 0]));
cobs("cobs_zero_then_run_254", Uint8Array.from([0, ...nonzeroRun(254)]));
cobs("cobs_run_508", nonzeroRun(508));
cobs("cobs_run_600_zero_run_10", Uint8Array.from([...nonzeroRun(600), 0, ...nonzeroRun(10)]));

const header = `# immsched wire protocol v2 test vectors (firmware-bridge/PROTOCOL.md). Generated once by
# generate.ts; this file is the source of truth. Format: firmware-bridge/vectors/format.ts.
#   ok   <name> <seq> <type> <fields...> raw <hex> wire <hex>
#   bad  <name> <error> <seq|-> raw <hex> wire <hex>
#   cobs <name> raw <hex|-> wire <hex>
# raw = header + payload + CRC (the MQTT payload); wire = COBS(raw) + 00 (the serial bytes).
`;
const out = fileURLToPath(new URL("./vectors.txt", import.meta.url));
writeFileSync(out, `${header + vectors.map(formatVector).join("\n")}\n`);
console.log(`${vectors.length} vectors -> ${out}`);
