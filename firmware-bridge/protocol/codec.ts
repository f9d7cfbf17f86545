// Message <-> raw frame (header + payload + CRC), the layer shared by serial (which adds COBS,
// see cobs.ts) and MQTT (which carries raw frames as payloads). Byte layouts and the order of the
// decoder's checks are PROTOCOL.md's; the C codec (firmware-bridge/c) follows the same order so
// both report the same error for the same bytes.

import { crc16 } from "./crc16.js";
import {
  CRC_SIZE,
  HEADER_SIZE,
  MAX_BOARD_ID,
  isBoardId,
  MAX_ERROR_TEXT,
  MAX_NS,
  MAX_PAYLOAD,
  MAX_STAGES,
  MAX_STEPS,
  MAX_BATCH,
  PROTOCOL_VERSION,
  HELLO_HEADER_VERSION,
} from "./limits.js";
import {
  DROP_REASON_BY_CODE,
  DROP_REASON_CODES,
  MSG,
  MSG_BY_CODE,
  NACK_REASON_CODES,
  type DecisionMessage,
  type Message,
  type MessageType,
  type NackReason,
} from "./messages.js";

export type DecodeError = "truncated" | "length" | "crc" | "version" | "type" | "range";
export type DecodeResult =
  | { ok: true; seq: number; message: Message }
  /** seq is set when the frame has its 4 first bytes (enough to NACK), typeCode when it has 2. */
  | { ok: false; error: DecodeError; seq?: number; typeCode?: number };

const PRINTABLE = /^[\x20-\x7e]*$/;
const TWO32 = 2 ** 32;

// ---------------------------------------------------------------------------------------------
// Encoding. Messages come from our own code, so an out-of-range field is a bug: throw RangeError.

function uint(name: string, v: number, max: number, min = 0): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} = ${v}: not an integer in ${min}..${max}`);
  return v;
}

function energy(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0 || Object.is(v, -0)) throw new RangeError(`${name} = ${v}: not a finite number >= 0`);
  return v;
}

class Writer {
  private readonly view: DataView;
  at = HEADER_SIZE;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(v: number): this {
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  i16(v: number): this {
    this.view.setInt16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v, true);
    this.at += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setUint32(this.at, v % TWO32, true);
    this.view.setUint32(this.at + 4, Math.floor(v / TWO32), true);
    this.at += 8;
    return this;
  }
  f64(v: number): this {
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
    return this;
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.bytes[this.at++] = s.charCodeAt(i);
    return this;
  }
}

function payloadSize(m: Message): number {
  switch (m.type) {
    case "hello":
      return 25 + m.boardId.length;
    case "hello_request":
      return 0;
    case "arrival":
      return 27;
    case "stage_done":
      return 22;
    case "task_done":
      return 20;
    case "schedule":
    case "resume":
      return 9 + 2 * m.tiles.length;
    case "preempt":
      return 8;
    case "drop":
      return 9;
    case "batch":
      return m.commands.reduce((n, c) => n + 1 + payloadSize(c), 1);
    case "variant":
      return 6;
    case "ack":
      return 6;
    case "nack":
      return 3;
    case "heartbeat":
      return 16;
    case "telemetry":
      return 28;
    case "error":
      return 3 + m.text.length;
  }
}

function writePayload(w: Writer, m: Message): void {
  switch (m.type) {
    case "hello":
      if (!isBoardId(m.boardId)) throw new RangeError(`boardId "${m.boardId}": not 1..${MAX_BOARD_ID} chars of [A-Za-z0-9_-]`);
      w.u8(uint("protocolVersion", m.protocolVersion, 0xff, 1))
        .u8(uint("fwMajor", m.fwMajor, 0xff))
        .u8(uint("fwMinor", m.fwMinor, 0xff))
        .u8(uint("fwPatch", m.fwPatch, 0xff))
        .u16(uint("meshWidth", m.meshWidth, 0xffff, 1))
        .u16(uint("meshHeight", m.meshHeight, 0xffff, 1))
        .u16(uint("pesPerTile", m.pesPerTile, 0xffff))
        .u16(uint("clockMhz", m.clockMhz, 0xffff))
        .u16(uint("maxTasks", m.maxTasks, 0xffff))
        .u16(uint("flags", m.flags, 0xffff))
        .u64(uint("boardTimeNs", m.boardTimeNs, MAX_NS))
        .u8(m.boardId.length)
        .ascii(m.boardId);
      return;
    case "hello_request":
      return;
    case "arrival":
      w.u32(uint("taskId", m.taskId, 0xffff_ffff))
        .u16(uint("modelId", m.modelId, 0xffff))
        .u8(uint("priority", m.priority, 0xff))
        .u32(uint("frame", m.frame, 0xffff_ffff))
        .u64(uint("arrivalNs", m.arrivalNs, MAX_NS))
        .u64(uint("deadlineNs", m.deadlineNs, MAX_NS));
      return;
    case "stage_done":
      w.u32(uint("taskId", m.taskId, 0xffff_ffff))
        .u16(uint("stage", m.stage, MAX_STEPS - 1))
        .u64(uint("busyNs", m.busyNs, MAX_NS))
        .u64(uint("boardTimeNs", m.boardTimeNs, MAX_NS));
      return;
    case "task_done":
      w.u32(uint("taskId", m.taskId, 0xffff_ffff))
        .u64(uint("boardTimeNs", m.boardTimeNs, MAX_NS))
        .f64(energy("energyPJ", m.energyPJ));
      return;
    case "schedule":
    case "resume":
      if (m.tiles.length > MAX_STAGES) throw new RangeError(`${m.tiles.length} stages: not 0..${MAX_STAGES}`);
      w.u32(uint("epoch", m.epoch, 0xffff_ffff))
        .u32(uint("taskId", m.taskId, 0xffff_ffff))
        .u8(m.tiles.length);
      for (const t of m.tiles) w.u16(uint("tile", t, 0xffff));
      return;
    case "preempt":
      w.u32(uint("epoch", m.epoch, 0xffff_ffff)).u32(uint("taskId", m.taskId, 0xffff_ffff));
      return;
    case "drop": {
      const code = DROP_REASON_CODES[m.reason];
      if (code === undefined) throw new RangeError(`drop reason "${String(m.reason)}" unknown`);
      w.u32(uint("epoch", m.epoch, 0xffff_ffff))
        .u32(uint("taskId", m.taskId, 0xffff_ffff))
        .u8(code);
      return;
    }
    case "variant":
      w.u32(uint("taskId", m.taskId, 0xffff_ffff)).u16(uint("modelId", m.modelId, 0xffff));
      return;
    case "batch":
      uint("batch commands", m.commands.length, MAX_BATCH, 1);
      w.u8(m.commands.length);
      for (const c of m.commands) {
        if (!BATCHABLE.has(c.type)) throw new RangeError(`a ${String(c.type)} cannot go in a BATCH`);
        w.u8(MSG[c.type]);
        writePayload(w, c);
      }
      return;
    case "ack":
      w.u16(uint("ackedSeq", m.ackedSeq, 0xffff)).u32(uint("epoch", m.epoch, 0xffff_ffff));
      return;
    case "nack": {
      const code = NACK_REASON_CODES[m.reason];
      if (code === undefined) throw new RangeError(`nack reason "${String(m.reason)}" unknown`);
      w.u16(uint("ackedSeq", m.ackedSeq, 0xffff)).u8(code);
      return;
    }
    case "heartbeat":
      w.u64(uint("boardTimeNs", m.boardTimeNs, MAX_NS))
        .u32(uint("counter", m.counter, 0xffff_ffff))
        .u32(uint("rxRejected", m.rxRejected, 0xffff_ffff));
      return;
    case "telemetry":
      if (!Number.isInteger(m.tempCentiC) || m.tempCentiC < -32768 || m.tempCentiC > 32767) {
        throw new RangeError(`tempCentiC = ${m.tempCentiC}: not an i16`);
      }
      w.u64(uint("boardTimeNs", m.boardTimeNs, MAX_NS))
        .f64(energy("energyPJ", m.energyPJ))
        .u32(uint("powerMw", m.powerMw, 0xffff_ffff))
        .u16(uint("busyTiles", m.busyTiles, 0xffff))
        .u16(uint("runningTasks", m.runningTasks, 0xffff))
        .u16(uint("queuedTasks", m.queuedTasks, 0xffff))
        .i16(m.tempCentiC);
      return;
    case "error":
      if (m.text.length > MAX_ERROR_TEXT || !PRINTABLE.test(m.text)) {
        throw new RangeError(`error text: not 0..${MAX_ERROR_TEXT} chars of printable ASCII`);
      }
      w.u16(uint("code", m.code, 0xffff))
        .u8(m.text.length)
        .ascii(m.text);
      return;
  }
}

/**
 * The raw frame of `msg` with sequence number `seq`: header, payload, CRC. Put it through
 * toWire() for serial, or publish it as is on MQTT. Throws RangeError on an invalid field.
 */
export function encodeMessage(msg: Message, seq: number): Uint8Array {
  // hasOwn, not a lookup: an untyped caller's "toString" must not find Object.prototype's.
  if (!Object.hasOwn(MSG, msg.type)) throw new RangeError(`message type "${String(msg.type)}" unknown`);
  const code = MSG[msg.type];
  const size = payloadSize(msg);
  if (size > MAX_PAYLOAD) throw new RangeError(`${msg.type} of ${size} bytes: over MAX_PAYLOAD (${MAX_PAYLOAD})`);
  const w = new Writer(new Uint8Array(HEADER_SIZE + size + CRC_SIZE));
  writePayload(w, msg);
  return frameBytes(headerVersion(code), code, uint("seq", seq, 0xffff), w.bytes.subarray(HEADER_SIZE, w.at));
}

/** Header version of a frame of this type: HELLO keeps 1 so that any host can read it (PROTOCOL.md §6). */
function headerVersion(typeCode: number): number {
  return typeCode === MSG.hello ? HELLO_HEADER_VERSION : PROTOCOL_VERSION;
}

/**
 * A frame from its parts, any version/type/payload, with a correct CRC. The codec uses it for
 * valid frames; the vector generator and tests use it to build frames that must be rejected.
 */
export function frameBytes(version: number, typeCode: number, seq: number, payload: Uint8Array): Uint8Array {
  const n = HEADER_SIZE + payload.length;
  const f = new Uint8Array(n + CRC_SIZE);
  const v = new DataView(f.buffer);
  v.setUint8(0, version);
  v.setUint8(1, typeCode);
  v.setUint16(2, seq, true);
  v.setUint16(4, payload.length, true);
  f.set(payload, HEADER_SIZE);
  v.setUint16(n, crc16(f.subarray(0, n)), true);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Decoding. Bytes come from a wire: never throw, report what is wrong.

class Reader {
  private readonly view: DataView;
  at = 0;
  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.view.getUint8(this.at++);
  }
  /** Steps over a length byte already known from the frame's size, then reads that many ASCII bytes. */
  sizedAscii(len: number): string {
    this.at++;
    return this.ascii(len);
  }
  u16(): number {
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  i16(): number {
    const v = this.view.getInt16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  /** NaN when above MAX_NS, which every caller rejects as "range". */
  u64(): number {
    const lo = this.view.getUint32(this.at, true);
    const hi = this.view.getUint32(this.at + 4, true);
    this.at += 8;
    return hi > 0x1f_ffff ? NaN : hi * TWO32 + lo;
  }
  /** NaN when the sign bit is set or the value is not finite ("range"). */
  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    const sign = this.view.getUint8(this.at + 7) & 0x80;
    this.at += 8;
    return sign || !Number.isFinite(v) ? NaN : v;
  }
  ascii(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.u8());
    return s;
  }
}

/** Fixed payload sizes; the variable types give their fixed part (before the count or length byte's data). */
const FIXED: Readonly<Record<MessageType, number>> = {
  hello: 25,
  hello_request: 0,
  arrival: 27,
  stage_done: 22,
  task_done: 20,
  schedule: 9,
  resume: 9,
  preempt: 8,
  drop: 9,
  batch: 1,
  variant: 6,
  ack: 6,
  nack: 3,
  heartbeat: 16,
  telemetry: 28,
  error: 3,
};
const VARIABLE = new Set<MessageType>(["hello", "schedule", "resume", "error", "batch"]);
/** What a BATCH may carry: the commands. */
const BATCHABLE = new Set<MessageType>(["schedule", "preempt", "resume", "drop", "variant"]);
const NACK_BY_CODE = new Map(Object.entries(NACK_REASON_CODES).map(([k, v]) => [v as number, k as NackReason]));

/**
 * Payload checks, in PROTOCOL.md order: (a) size below the fixed part, or not exactly it for a
 * fixed type -> length; (b) count/length byte out of range -> range; (c) size not fixed part +
 * variable part -> length; (d) any field out of range -> range.
 */
function readPayload(type: MessageType, p: Uint8Array): Message | "length" | "range" {
  const fixed = FIXED[type];
  if (p.length < fixed || (!VARIABLE.has(type) && p.length !== fixed)) return "length";
  const r = new Reader(p);
  const ok = (...conds: boolean[]): boolean => conds.every(Boolean);
  switch (type) {
    case "hello": {
      const idLen = p[24]!;
      if (idLen < 1 || idLen > MAX_BOARD_ID) return "range";
      if (p.length !== fixed + idLen) return "length";
      const m = {
        type,
        protocolVersion: r.u8(),
        fwMajor: r.u8(),
        fwMinor: r.u8(),
        fwPatch: r.u8(),
        meshWidth: r.u16(),
        meshHeight: r.u16(),
        pesPerTile: r.u16(),
        clockMhz: r.u16(),
        maxTasks: r.u16(),
        flags: r.u16(),
        boardTimeNs: r.u64(),
        boardId: r.sizedAscii(idLen),
      } as const;
      return ok(m.protocolVersion >= 1, m.meshWidth >= 1, m.meshHeight >= 1, !Number.isNaN(m.boardTimeNs), isBoardId(m.boardId))
        ? m
        : "range";
    }
    case "hello_request":
      return { type };
    case "arrival": {
      const m = {
        type,
        taskId: r.u32(),
        modelId: r.u16(),
        priority: r.u8(),
        frame: r.u32(),
        arrivalNs: r.u64(),
        deadlineNs: r.u64(),
      } as const;
      return ok(!Number.isNaN(m.arrivalNs), !Number.isNaN(m.deadlineNs)) ? m : "range";
    }
    case "stage_done": {
      const m = { type, taskId: r.u32(), stage: r.u16(), busyNs: r.u64(), boardTimeNs: r.u64() } as const;
      return ok(m.stage < MAX_STEPS, !Number.isNaN(m.busyNs), !Number.isNaN(m.boardTimeNs)) ? m : "range";
    }
    case "task_done": {
      const m = { type, taskId: r.u32(), boardTimeNs: r.u64(), energyPJ: r.f64() } as const;
      return ok(!Number.isNaN(m.boardTimeNs), !Number.isNaN(m.energyPJ)) ? m : "range";
    }
    case "schedule":
    case "resume": {
      const n = p[8]!;
      if (n > MAX_STAGES) return "range";
      if (p.length !== fixed + 2 * n) return "length";
      const epoch = r.u32();
      const taskId = r.u32();
      r.u8();
      const tiles: number[] = [];
      for (let i = 0; i < n; i++) tiles.push(r.u16());
      return { type, epoch, taskId, tiles };
    }
    case "preempt":
      return { type, epoch: r.u32(), taskId: r.u32() };
    case "drop": {
      const epoch = r.u32();
      const taskId = r.u32();
      const reason = DROP_REASON_BY_CODE.get(r.u8());
      return reason === undefined ? "range" : { type, epoch, taskId, reason };
    }
    case "batch":
      return readBatch(p);
    case "variant":
      return { type, taskId: r.u32(), modelId: r.u16() };
    case "ack":
      return { type, ackedSeq: r.u16(), epoch: r.u32() };
    case "nack": {
      const ackedSeq = r.u16();
      const reason = NACK_BY_CODE.get(r.u8());
      return reason === undefined ? "range" : { type, ackedSeq, reason };
    }
    case "heartbeat": {
      const m = { type, boardTimeNs: r.u64(), counter: r.u32(), rxRejected: r.u32() } as const;
      return Number.isNaN(m.boardTimeNs) ? "range" : m;
    }
    case "telemetry": {
      const m = {
        type,
        boardTimeNs: r.u64(),
        energyPJ: r.f64(),
        powerMw: r.u32(),
        busyTiles: r.u16(),
        runningTasks: r.u16(),
        queuedTasks: r.u16(),
        tempCentiC: r.i16(),
      } as const;
      return ok(!Number.isNaN(m.boardTimeNs), !Number.isNaN(m.energyPJ)) ? m : "range";
    }
    case "error": {
      const len = p[2]!;
      // (b) is vacuous: a u8 length cannot exceed MAX_ERROR_TEXT = 255.
      if (p.length !== fixed + len) return "length";
      const m = { type, code: r.u16(), text: r.sizedAscii(len) } as const;
      return PRINTABLE.test(m.text) ? m : "range";
    }
  }
}

/**
 * A BATCH payload (PROTOCOL.md §4 BATCH): count 1..MAX_BATCH (else range), then per entry, in
 * order: no type byte or fewer bytes than the command's fixed part -> length; a type that is not
 * a command -> range; the command's own checks (stages over 64 -> range, tiles missing -> length,
 * a field out of range -> range); after the last entry, bytes left over -> length.
 */
function readBatch(p: Uint8Array): Message | "length" | "range" {
  const count = p[0]!;
  if (count < 1 || count > MAX_BATCH) return "range";
  const commands: DecisionMessage[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at >= p.length) return "length";
    const type = MSG_BY_CODE.get(p[at]!);
    if (type === undefined || !BATCHABLE.has(type)) return "range";
    const fixed = FIXED[type];
    if (at + 1 + fixed > p.length) return "length";
    const size = type === "schedule" || type === "resume" ? fixed + 2 * p[at + 1 + 8]! : fixed;
    const c = readPayload(type, p.subarray(at + 1, Math.min(p.length, at + 1 + size)));
    if (typeof c === "string") return c;
    commands.push(c as DecisionMessage);
    at += 1 + size;
  }
  return at === p.length ? { type: "batch", commands } : "length";
}

/**
 * Decodes one raw frame (after COBS, or an MQTT payload). Checks, in this order: fewer than 8
 * bytes -> truncated; length field > MAX_PAYLOAD -> length; frame shorter / longer than the length
 * field says -> truncated / length; CRC -> crc; version -> version; type -> type; payload -> length
 * or range. Never throws.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  const n = bytes.length;
  const typeCode = n >= 2 ? bytes[1]! : undefined;
  const seq = n >= 4 ? bytes[2]! | (bytes[3]! << 8) : undefined;
  const fail = (error: DecodeError): DecodeResult => ({
    ok: false,
    error,
    ...(seq === undefined ? {} : { seq }),
    ...(typeCode === undefined ? {} : { typeCode }),
  });
  if (n < HEADER_SIZE + CRC_SIZE) return fail("truncated");
  const len = bytes[4]! | (bytes[5]! << 8);
  if (len > MAX_PAYLOAD) return fail("length");
  if (HEADER_SIZE + len + CRC_SIZE > n) return fail("truncated");
  if (HEADER_SIZE + len + CRC_SIZE < n) return fail("length");
  const body = HEADER_SIZE + len;
  if (crc16(bytes.subarray(0, body)) !== (bytes[body]! | (bytes[body + 1]! << 8))) return fail("crc");
  // HELLO: header version 1 (every board) or 2; anything else: this version only
  const version = bytes[0]!;
  if (version !== PROTOCOL_VERSION && !(version === HELLO_HEADER_VERSION && bytes[1] === MSG.hello)) return fail("version");
  const type = MSG_BY_CODE.get(bytes[1]!);
  if (type === undefined) return fail("type");
  const message = readPayload(type, bytes.subarray(HEADER_SIZE, body));
  if (typeof message === "string") return fail(message);
  return { ok: true, seq: seq!, message };
}

/**
 * The epoch of a raw command frame (SCHEDULE, PREEMPT, RESUME, DROP: the payload's first u32; a
 * BATCH: the highest of its commands'), 0 for any other frame. Read before decoding, so the ACK of
 * a command carries its epoch (PROTOCOL.md §4 ACK) also for a duplicate, which the endpoint answers
 * without decoding it again. Tolerant: a malformed BATCH gives the epochs it could read.
 */
export function commandEpoch(frame: Uint8Array): number {
  const code = frame[1];
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (code !== undefined && code >= MSG.schedule && code <= MSG.drop && frame.length >= HEADER_SIZE + 4)
    return v.getUint32(HEADER_SIZE, true);
  if (code !== MSG.batch || frame.length < HEADER_SIZE + CRC_SIZE + 1) return 0;
  const end = frame.length - CRC_SIZE;
  let epoch = 0;
  let at = HEADER_SIZE + 1;
  for (let i = 0; i < frame[HEADER_SIZE]! && at + 5 <= end; i++) {
    const type = MSG_BY_CODE.get(frame[at]!);
    // a VARIANT entry carries no epoch (its first u32 is a task id)
    if (type !== "variant") epoch = Math.max(epoch, v.getUint32(at + 1, true));
    const stages = at + 10 < end ? frame[at + 9]! : 0;
    at += 1 + (type === "schedule" || type === "resume" ? 9 + 2 * stages : type === "preempt" ? 8 : type === "variant" ? 6 : 9);
  }
  return epoch;
}
