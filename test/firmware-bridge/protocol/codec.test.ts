import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  FrameSplitter,
  MAX_NS,
  PROTOCOL_VERSION,
  commandEpoch,
  MESSAGE_TYPES,
  MSG,
  cobsDecode,
  cobsEncode,
  decodeFrame,
  encodeMessage,
  frameBytes,
  toWire,
  type DecodeError,
  type Message,
} from "../../../firmware-bridge/protocol/index.js";
import { parseVectors } from "../../../firmware-bridge/vectors/format.js";
import { message, seq } from "./arbitraries.js";

const VECTORS_FILE = new URL("../../../firmware-bridge/vectors/vectors.txt", import.meta.url);
const vectors = parseVectors(readFileSync(VECTORS_FILE, "utf8"));
const ok = vectors.filter((v) => v.kind === "ok");
const bad = vectors.filter((v) => v.kind === "bad");
const cobs = vectors.filter((v) => v.kind === "cobs");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function viaSplitter(wire: Uint8Array): Uint8Array[] {
  return new FrameSplitter().push(wire);
}

describe("vectors.txt", () => {
  it("covers every message type, every decode error and the COBS edge cases", () => {
    expect(new Set(ok.map((v) => v.message.type))).toEqual(new Set(MESSAGE_TYPES));
    const errors: DecodeError[] = ["truncated", "length", "crc", "version", "type", "range"];
    expect(new Set(bad.map((v) => v.error))).toEqual(new Set(errors));
    expect(ok.some((v) => v.raw.length === 8)).toBe(true); // empty payload
    expect(ok.some((v) => (v.message.type === "schedule" || v.message.type === "resume") && v.message.tiles.length === 64)).toBe(true);
    expect(ok.some((v) => v.raw.subarray(0, -2).includes(0))).toBe(true); // COBS must escape zeros
    const longestRun = (b: Uint8Array): number =>
      Math.max(
        ...hex(b)
          .match(/(?:(?!00)[0-9a-f]{2})+/g)!
          .map((s) => s.length / 2),
      );
    expect(ok.some((v) => longestRun(v.raw) >= 254)).toBe(true);
    expect(cobs.some((v) => v.raw.length >= 508 && !v.raw.includes(0))).toBe(true);
  });

  it.each(ok.map((v) => [v.name, v] as const))("%s: decodes to its fields and encodes to its bytes", (_n, v) => {
    expect(decodeFrame(v.raw)).toEqual({ ok: true, seq: v.seq, message: v.message });
    expect(hex(encodeMessage(v.message, v.seq))).toBe(hex(v.raw));
    expect(hex(toWire(v.raw))).toBe(hex(v.wire));
    expect(viaSplitter(v.wire)).toEqual([v.raw]);
  });

  it.each(bad.map((v) => [v.name, v] as const))("%s: is rejected with its error", (_n, v) => {
    const r = decodeFrame(v.raw);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ error: v.error });
    expect(r.ok ? undefined : r.seq).toBe(v.seq);
    expect(hex(toWire(v.raw))).toBe(hex(v.wire));
  });

  it.each(cobs.map((v) => [v.name, v] as const))("%s: COBS both ways", (_n, v) => {
    expect(hex(cobsEncode(v.raw))).toBe(hex(v.wire.subarray(0, -1)));
    expect(v.wire.at(-1)).toBe(0);
    expect(cobsDecode(v.wire.subarray(0, -1))).toEqual(v.raw);
  });
});

describe("codec", () => {
  it("lays out the PROTOCOL.md worked example byte for byte", () => {
    // PREEMPT epoch 11, task 42, seq 16 (PROTOCOL.md "Worked example").
    const raw = encodeMessage({ type: "preempt", epoch: 11, taskId: 42 }, 16);
    expect(hex(raw)).toBe("02" + "21" + "1000" + "0800" + "0b000000" + "2a000000" + "f2c3");
    expect(hex(toWire(raw))).toBe("040221100208020b0101022a010103f2c300");
    expect(hex(encodeMessage({ type: "ack", ackedSeq: 16, epoch: 11 }, 100))).toBe("02306400060010000b000000261f");
    // the same PREEMPT and a SCHEDULE of task 43 on tiles 9, 10 as one BATCH, seq 17
    const batch = encodeMessage(
      {
        type: "batch",
        commands: [
          { type: "preempt", epoch: 11, taskId: 42 },
          { type: "schedule", epoch: 11, taskId: 43, tiles: [9, 10] },
        ],
      },
      17,
    );
    expect(hex(batch)).toBe(
      "02" +
        "24" +
        "1100" +
        "1800" +
        "02" +
        "21" +
        "0b000000" +
        "2a000000" +
        "20" +
        "0b000000" +
        "2b000000" +
        "02" +
        "0900" +
        "0a00" +
        "4fe8",
    );
  });

  it("uses the type codes and payload sizes of the PROTOCOL.md message table", () => {
    const doc = readFileSync(new URL("../../../firmware-bridge/PROTOCOL.md", import.meta.url), "utf8");
    const fixedPart: Partial<Record<string, number>> = { hello: 25, schedule: 9, resume: 9, error: 3, batch: 1 };
    for (const type of MESSAGE_TYPES) {
      const code = `0x${MSG[type].toString(16).padStart(2, "0")}`;
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${code}\` | ${type.toUpperCase()} |`));
      expect(row, type).toBeDefined();
      const size = row!.split("|")[5]!.trim();
      const sample = ok.find((v) => v.message.type === type)!;
      const want = fixedPart[type] ?? sample.raw.length - 8;
      expect(size.startsWith(fixedPart[type] === undefined ? `${want}` : `${want} + `), `${type}: "${size}"`).toBe(true);
      if (fixedPart[type] === undefined) expect(size).toBe(String(want));
    }
  });

  it("round-trips every valid message", () => {
    fc.assert(
      fc.property(message, seq, (m, s) => {
        expect(decodeFrame(encodeMessage(m, s))).toEqual({ ok: true, seq: s, message: m });
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary bytes, and reports seq/type when they are readable", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = decodeFrame(b);
        if (!r.ok) {
          expect(r.seq).toBe(b.length >= 4 ? b[2]! | (b[3]! << 8) : undefined);
          expect(r.typeCode).toBe(b.length >= 2 ? b[1] : undefined);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on well-framed payloads of any type (CRC right, contents arbitrary)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (type, payload) => {
        const r = decodeFrame(frameBytes(PROTOCOL_VERSION, type, 1, payload));
        if (r.ok) expect(decodeFrame(encodeMessage(r.message, 1))).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });

  it("detects any corrupted byte of a valid frame (CRC-16 catches every burst of <= 16 bits)", () => {
    fc.assert(
      fc.property(message, seq, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, s, at, mask) => {
        const f = encodeMessage(m, s);
        f[at % f.length]! ^= mask;
        expect(decodeFrame(f).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses to encode a message the wire cannot carry", () => {
    const bad: Array<[Message, number]> = [
      [{ type: "schedule", epoch: 1, taskId: 1, tiles: new Array<number>(65).fill(0) }, 1],
      [{ type: "resume", epoch: 1, taskId: 1, tiles: [65536] }, 1],
      [{ type: "preempt", epoch: -1, taskId: 1 }, 1],
      [{ type: "preempt", epoch: 1, taskId: 1.5 }, 1],
      [{ type: "preempt", epoch: 2 ** 32, taskId: 1 }, 1],
      [{ type: "preempt", epoch: 1, taskId: 1 }, 65536],
      [{ type: "stage_done", taskId: 1, stage: 8192, busyNs: 1, boardTimeNs: 1 }, 1],
      [{ type: "heartbeat", boardTimeNs: MAX_NS + 1, counter: 0, rxRejected: 0 }, 1],
      [{ type: "heartbeat", boardTimeNs: NaN, counter: 0, rxRejected: 0 }, 1],
      [{ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: -1 }, 1],
      [{ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: -0 }, 1],
      [{ type: "task_done", taskId: 1, boardTimeNs: 1, energyPJ: Infinity }, 1],
      [{ type: "telemetry", boardTimeNs: 1, energyPJ: 1, powerMw: 0, busyTiles: 0, runningTasks: 0, queuedTasks: 0, tempCentiC: 40000 }, 1],
      [{ type: "error", code: 1, text: "bad\u0007bell" }, 1],
      [{ type: "error", code: 1, text: "é" }, 1],
      [{ type: "error", code: 1, text: "x".repeat(256) }, 1],
      [{ type: "drop", epoch: 1, taskId: 1, reason: "bored" as never }, 1],
      [{ type: "nack", ackedSeq: 1, reason: "nope" as never }, 1],
      [
        {
          type: "hello",
          protocolVersion: 1,
          fwMajor: 0,
          fwMinor: 0,
          fwPatch: 0,
          meshWidth: 8,
          meshHeight: 8,
          pesPerTile: 1,
          clockMhz: 1,
          maxTasks: 1,
          flags: 0,
          boardTimeNs: 0,
          boardId: "a/b",
        },
        1,
      ],
      [
        {
          type: "hello",
          protocolVersion: 1,
          fwMajor: 0,
          fwMinor: 0,
          fwPatch: 0,
          meshWidth: 0,
          meshHeight: 8,
          pesPerTile: 1,
          clockMhz: 1,
          maxTasks: 1,
          flags: 0,
          boardTimeNs: 0,
          boardId: "ab",
        },
        1,
      ],
    ];
    for (const [m, s] of bad) expect(() => encodeMessage(m, s), JSON.stringify(m)).toThrow(RangeError);
  });
});

describe("commandEpoch (the board's ACK epoch, read before decoding)", () => {
  it("is the epoch of every command frame and 0 for any other frame", () => {
    fc.assert(
      fc.property(message, seq, (m, s) => {
        const frame = encodeMessage(m, s);
        const expected =
          m.type === "schedule" || m.type === "resume" || m.type === "preempt" || m.type === "drop"
            ? m.epoch
            : m.type === "batch"
              ? Math.max(0, ...m.commands.map((c) => (c.type === "variant" ? 0 : c.epoch)))
              : 0;
        expect(commandEpoch(frame)).toBe(expected);
      }),
    );
  });

  it("is 0 for a command frame too short to hold one", () => {
    expect(commandEpoch(Uint8Array.of(1, MSG.schedule, 0, 0, 0, 0, 1, 2))).toBe(0);
  });
});
