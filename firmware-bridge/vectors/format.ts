// The text format of vectors.txt, shared with the C driver (firmware-bridge/c/vectors_main.c),
// which also speaks the same field lists on stdin/stdout. Kept trivially tokenisable for C:
// space-separated tokens, integers in decimal, f64 in shortest round-trip decimal, strings and
// byte strings in hex ("-" when empty), lists as a count followed by the items.
//
//   ok   <name> <seq> <type> <fields...> raw <hex> wire <hex>
//   bad  <name> <error> <seq|-> raw <hex> wire <hex>
//   cobs <name> raw <hex|-> wire <hex>
//
// Fields per type (PROTOCOL.md field names):
//   hello          protocolVersion fwMajor fwMinor fwPatch meshWidth meshHeight pesPerTile clockMhz maxTasks flags boardTimeNs boardIdHex
//   hello_request  (none)
//   arrival        taskId modelId priority frame arrivalNs deadlineNs
//   stage_done     taskId stage busyNs boardTimeNs
//   task_done      taskId boardTimeNs energyPJ
//   schedule       epoch taskId n tile_1 .. tile_n      (resume: the same)
//   preempt        epoch taskId
//   drop           epoch taskId reasonCode
//   batch          n, then n commands each as <type> <fields...> (schedule, preempt, resume, drop)
//   ack            ackedSeq epoch
//   nack           ackedSeq reasonCode
//   heartbeat      boardTimeNs counter rxRejected
//   telemetry      boardTimeNs energyPJ powerMw busyTiles runningTasks queuedTasks tempCentiC
//   error          code textHex

import {
  DROP_REASON_CODES,
  MSG,
  NACK_REASON_CODES,
  type DecisionMessage,
  type DecodeError,
  type DropReason,
  type Message,
  type MessageType,
  type NackReason,
} from "../protocol/index.js";

export type Vector =
  | { kind: "ok"; name: string; seq: number; message: Message; raw: Uint8Array; wire: Uint8Array }
  | { kind: "bad"; name: string; error: DecodeError; seq?: number; raw: Uint8Array; wire: Uint8Array }
  | { kind: "cobs"; name: string; raw: Uint8Array; wire: Uint8Array };

export function toHex(b: Uint8Array): string {
  return b.length === 0 ? "-" : Buffer.from(b).toString("hex");
}

export function fromHex(s: string): Uint8Array {
  if (s === "-") return new Uint8Array(0);
  if (!/^(?:[0-9a-f]{2})+$/.test(s)) throw new Error(`bad hex "${s.slice(0, 20)}"`);
  return new Uint8Array(Buffer.from(s, "hex"));
}

const asciiHex = (s: string): string => toHex(new Uint8Array(Buffer.from(s, "latin1")));
const hexAscii = (h: string): string => Buffer.from(fromHex(h)).toString("latin1");

/** [type, ...fields] of a message. */
export function messageTokens(m: Message): string[] {
  const n = (...v: number[]): string[] => v.map(String);
  switch (m.type) {
    case "hello":
      return [
        m.type,
        ...n(
          m.protocolVersion,
          m.fwMajor,
          m.fwMinor,
          m.fwPatch,
          m.meshWidth,
          m.meshHeight,
          m.pesPerTile,
          m.clockMhz,
          m.maxTasks,
          m.flags,
          m.boardTimeNs,
        ),
        asciiHex(m.boardId),
      ];
    case "hello_request":
      return [m.type];
    case "arrival":
      return [m.type, ...n(m.taskId, m.modelId, m.priority, m.frame, m.arrivalNs, m.deadlineNs)];
    case "stage_done":
      return [m.type, ...n(m.taskId, m.stage, m.busyNs, m.boardTimeNs)];
    case "task_done":
      return [m.type, ...n(m.taskId, m.boardTimeNs, m.energyPJ)];
    case "schedule":
    case "resume":
      return [m.type, ...n(m.epoch, m.taskId, m.tiles.length, ...m.tiles)];
    case "preempt":
      return [m.type, ...n(m.epoch, m.taskId)];
    case "drop":
      return [m.type, ...n(m.epoch, m.taskId, DROP_REASON_CODES[m.reason])];
    case "batch":
      return [m.type, String(m.commands.length), ...m.commands.flatMap(messageTokens)];
    case "variant":
      return [m.type, ...n(m.taskId, m.modelId)];
    case "ack":
      return [m.type, ...n(m.ackedSeq, m.epoch)];
    case "nack":
      return [m.type, ...n(m.ackedSeq, NACK_REASON_CODES[m.reason])];
    case "heartbeat":
      return [m.type, ...n(m.boardTimeNs, m.counter, m.rxRejected)];
    case "telemetry":
      return [m.type, ...n(m.boardTimeNs, m.energyPJ, m.powerMw, m.busyTiles, m.runningTasks, m.queuedTasks, m.tempCentiC)];
    case "error":
      return [m.type, ...n(m.code), asciiHex(m.text)];
  }
}

const ARITY: Readonly<Record<MessageType, number>> = {
  hello: 12,
  hello_request: 0,
  arrival: 6,
  stage_done: 4,
  task_done: 3,
  schedule: -1,
  resume: -1,
  preempt: 2,
  drop: 3,
  batch: -1,
  variant: 2,
  ack: 2,
  nack: 2,
  heartbeat: 3,
  telemetry: 7,
  error: 2,
};
const DROP_BY_CODE = new Map(Object.entries(DROP_REASON_CODES).map(([k, v]) => [String(v), k as DropReason]));
const NACK_BY_CODE = new Map(Object.entries(NACK_REASON_CODES).map(([k, v]) => [String(v), k as NackReason]));

/** The message of [type, ...fields]; throws on a malformed token list. */
export function tokensMessage(tokens: string[]): Message {
  const [t, ...f] = tokens;
  if (t === undefined || !Object.hasOwn(MSG, t)) throw new Error(`unknown message type "${t}"`);
  const type = t as MessageType;
  if (type === "batch") return tokensBatch(f);
  const arity = ARITY[type] >= 0 ? ARITY[type] : 3 + Number(f[2]);
  if (f.length !== arity) throw new Error(`${type}: ${f.length} fields, expected ${arity}`);
  const num = (i: number): number => {
    const v = Number(f[i]);
    if (!Number.isFinite(v)) throw new Error(`${type}: field ${i} "${f[i]}" is not a number`);
    return v;
  };
  switch (type) {
    case "hello":
      return {
        type,
        protocolVersion: num(0),
        fwMajor: num(1),
        fwMinor: num(2),
        fwPatch: num(3),
        meshWidth: num(4),
        meshHeight: num(5),
        pesPerTile: num(6),
        clockMhz: num(7),
        maxTasks: num(8),
        flags: num(9),
        boardTimeNs: num(10),
        boardId: hexAscii(f[11]!),
      };
    case "hello_request":
      return { type };
    case "arrival":
      return { type, taskId: num(0), modelId: num(1), priority: num(2), frame: num(3), arrivalNs: num(4), deadlineNs: num(5) };
    case "stage_done":
      return { type, taskId: num(0), stage: num(1), busyNs: num(2), boardTimeNs: num(3) };
    case "task_done":
      return { type, taskId: num(0), boardTimeNs: num(1), energyPJ: num(2) };
    case "schedule":
    case "resume":
      return { type, epoch: num(0), taskId: num(1), tiles: f.slice(3).map((_, i) => num(3 + i)) };
    case "preempt":
      return { type, epoch: num(0), taskId: num(1) };
    case "drop": {
      const reason = DROP_BY_CODE.get(f[2]!);
      if (reason === undefined) throw new Error(`drop reason code ${f[2]} unknown`);
      return { type, epoch: num(0), taskId: num(1), reason };
    }
    case "variant":
      return { type, taskId: num(0), modelId: num(1) };
    case "ack":
      return { type, ackedSeq: num(0), epoch: num(1) };
    case "nack": {
      const reason = NACK_BY_CODE.get(f[1]!);
      if (reason === undefined) throw new Error(`nack reason code ${f[1]} unknown`);
      return { type, ackedSeq: num(0), reason };
    }
    case "heartbeat":
      return { type, boardTimeNs: num(0), counter: num(1), rxRejected: num(2) };
    case "telemetry":
      return {
        type,
        boardTimeNs: num(0),
        energyPJ: num(1),
        powerMw: num(2),
        busyTiles: num(3),
        runningTasks: num(4),
        queuedTasks: num(5),
        tempCentiC: num(6),
      };
    case "error":
      return { type, code: num(0), text: hexAscii(f[1]!) };
  }
}

/** A BATCH's fields: the count, then each command as its own [type, ...fields]. */
function tokensBatch(f: string[]): Message {
  const count = Number(f[0]);
  if (!Number.isInteger(count) || count < 0) throw new Error(`batch: count "${f[0]}" is not a number`);
  const commands: DecisionMessage[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    const type = f[at] as MessageType;
    if (type !== "schedule" && type !== "resume" && type !== "preempt" && type !== "drop" && type !== "variant")
      throw new Error(`batch: "${f[at]}" is not a command`);
    const arity = ARITY[type] >= 0 ? ARITY[type] : 3 + Number(f[at + 3]);
    commands.push(tokensMessage(f.slice(at, at + 1 + arity)) as DecisionMessage);
    at += 1 + arity;
  }
  if (at !== f.length) throw new Error(`batch: ${f.length - at} fields left over`);
  return { type: "batch", commands };
}

export function formatVector(v: Vector): string {
  const tail = ["raw", toHex(v.raw), "wire", toHex(v.wire)];
  switch (v.kind) {
    case "ok":
      return ["ok", v.name, String(v.seq), ...messageTokens(v.message), ...tail].join(" ");
    case "bad":
      return ["bad", v.name, v.error, v.seq === undefined ? "-" : String(v.seq), ...tail].join(" ");
    case "cobs":
      return ["cobs", v.name, ...tail].join(" ");
  }
}

/** Vectors of a vectors.txt text; blank lines and # comments are skipped. Throws on a malformed line. */
export function parseVectors(text: string): Vector[] {
  const out: Vector[] = [];
  text.split("\n").forEach((line, i) => {
    const tok = line.trim().split(/\s+/);
    if (tok[0] === "" || tok[0]!.startsWith("#")) return;
    const at = tok.indexOf("raw");
    if (at < 0 || tok[at + 2] !== "wire" || tok.length !== at + 4) throw new Error(`vectors.txt:${i + 1}: missing "raw <hex> wire <hex>"`);
    const raw = fromHex(tok[at + 1]!);
    const wire = fromHex(tok[at + 3]!);
    const name = tok[1]!;
    if (tok[0] === "ok") out.push({ kind: "ok", name, seq: Number(tok[2]), message: tokensMessage(tok.slice(3, at)), raw, wire });
    else if (tok[0] === "bad") {
      const seq = tok[3] === "-" ? undefined : Number(tok[3]);
      out.push({ kind: "bad", name, error: tok[2] as DecodeError, ...(seq === undefined ? {} : { seq }), raw, wire });
    } else if (tok[0] === "cobs") out.push({ kind: "cobs", name, raw, wire });
    else throw new Error(`vectors.txt:${i + 1}: unknown line kind "${tok[0]}"`);
  });
  return out;
}
