// The C99 codec (firmware-bridge/c) against the vectors and against the TS codec, both ways.
// Compiled here with the flags firmware builds must pass with gcc (skipped, saying so, without it; CI installs it).

import { lacksCommand } from "../../support/requires.js";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  FrameSplitter,
  decodeFrame,
  encodeMessage,
  frameBytes,
  toWire,
  type DecodeResult,
  type Message,
} from "../../../firmware-bridge/protocol/index.js";
import { messageTokens, parseVectors, tokensMessage } from "../../../firmware-bridge/vectors/format.js";
import { message, seq } from "./arbitraries.js";

const C_DIR = fileURLToPath(new URL("../../../firmware-bridge/c/", import.meta.url));
const VECTORS = fileURLToPath(new URL("../../../firmware-bridge/vectors/vectors.txt", import.meta.url));
const CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"];
const SEED = Date.now() % 2 ** 31;
const hex = (b: Uint8Array): string => (b.length === 0 ? "-" : Buffer.from(b).toString("hex"));
const unhex = (s: string): Uint8Array => (s === "-" ? new Uint8Array(0) : new Uint8Array(Buffer.from(s, "hex")));

let dir = "";
let exe = "";

function run(args: string[], input = ""): { status: number | null; out: string[] } {
  const r = spawnSync(exe, args, { input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout.split("\n").filter((l) => l !== "") };
}

/** What the C decoder says about raw bytes, in the TS DecodeResult shape (without typeCode). */
function cDecode(frames: Uint8Array[]): Array<{ ok: true; seq: number; message: Message } | { ok: false; error: string; seq?: number }> {
  const { out } = run(["decode"], frames.map((f) => `${hex(f)}\n`).join(""));
  expect(out).toHaveLength(frames.length);
  return out.map((line) => {
    const t = line.split(" ");
    if (t[0] === "ok") return { ok: true as const, seq: Number(t[1]), message: tokensMessage(t.slice(2)) };
    return { ok: false as const, error: t[1]!, ...(t[2] === "-" ? {} : { seq: Number(t[2]) }) };
  });
}

function tsView(r: DecodeResult): { ok: true; seq: number; message: Message } | { ok: false; error: string; seq?: number } {
  return r.ok ? r : { ok: false, error: r.error, ...(r.seq === undefined ? {} : { seq: r.seq }) };
}

const NO_GCC = lacksCommand("gcc", "gcc", "C codec (compiles firmware-bridge/c)");

beforeAll(() => {
  if (NO_GCC) return;
  dir = mkdtempSync(join(tmpdir(), "immsched-proto-"));
  exe = join(dir, "vectors_main");
  const cc = spawnSync("gcc", [...CFLAGS, "-o", exe, join(C_DIR, "immsched_proto.c"), join(C_DIR, "vectors_main.c")], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`gcc ${CFLAGS.join(" ")} failed:\n${cc.stderr}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(NO_GCC)("C codec", () => {
  it("passes every vector of vectors.txt (fields, bytes, COBS, splitter)", () => {
    const names = parseVectors(readFileSync(VECTORS, "utf8")).map((v) => v.name);
    const { status, out } = run(["check", VECTORS]);
    expect(out.filter((l) => !l.startsWith("PASS "))).toEqual([`${names.length} passed, 0 failed`]);
    expect(out.filter((l) => l.startsWith("PASS ")).map((l) => l.slice(5))).toEqual(names);
    expect(status).toBe(0);
  });

  it("fails the check when a vector is wrong (the driver really compares)", () => {
    const text = readFileSync(VECTORS, "utf8").replace(/^(ok preempt_basic 16 preempt 11) 42/m, "$1 43");
    const file = join(dir, "broken-vectors.txt");
    writeFileSync(file, text);
    const { status, out } = run(["check", file]);
    expect(out).toContain("FAIL preempt_basic: decoded fields differ");
    expect(status).toBe(1);
  });

  it(`C encodes -> TS decodes, byte-identical to TS encoding (random messages, seed ${SEED})`, () => {
    const msgs = fc.sample(fc.tuple(message, seq), { numRuns: 1500, seed: SEED });
    const { out } = run(["encode"], msgs.map(([m, s]) => `${s} ${messageTokens(m).join(" ")}\n`).join(""));
    expect(out).toHaveLength(msgs.length);
    msgs.forEach(([m, s], i) => {
      const raw = unhex(out[i]!);
      expect(decodeFrame(raw), out[i]).toEqual({ ok: true, seq: s, message: m });
      expect(out[i]).toBe(hex(encodeMessage(m, s)));
    });
  });

  it(`TS encodes -> C decodes (random messages, seed ${SEED})`, () => {
    const msgs = fc.sample(fc.tuple(message, seq), { numRuns: 1500, seed: SEED + 1 });
    const got = cDecode(msgs.map(([m, s]) => encodeMessage(m, s)));
    for (const [i, [m, s]] of msgs.entries()) expect(got[i]).toEqual({ ok: true, seq: s, message: m });
  });

  it(`C and TS give the same verdict on hostile bytes (seed ${SEED})`, () => {
    const frames = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 80 }),
        // Right CRC and length, arbitrary version/type/payload: reaches the type and payload checks.
        fc
          .tuple(fc.constantFrom(0, 1, 2, 2, 2, 3), fc.integer({ min: 0, max: 0x50 }), seq, fc.uint8Array({ maxLength: 160 }))
          .map(([v, t, s, p]) => frameBytes(v, t, s, p)),
        // A valid frame with a few bytes of its payload replaced, CRC recomputed.
        fc
          .tuple(message, seq, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }))
          .map(([m, s, edits]) => {
            const f = encodeMessage(m, s);
            const p = f.slice(6, -2);
            for (const [at, b] of edits) if (p.length) p[at % p.length] = b;
            return frameBytes(f[0]!, f[1]!, s, p);
          }),
        // A valid frame with one byte corrupted in transit (CRC not fixed up).
        fc.tuple(message, seq, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([m, s, at, mask]) => {
          const f = encodeMessage(m, s);
          f[at % f.length]! ^= mask;
          return f;
        }),
      ),
      { numRuns: 3000, seed: SEED + 2 },
    );
    const c = cDecode(frames);
    for (const [i, f] of frames.entries()) expect(c[i], hex(f)).toEqual(tsView(decodeFrame(f)));
  });

  it("refuses to encode what the wire cannot carry, like the TS encoder", () => {
    const lines = [
      "1 stage_done 1 8192 5 5",
      "1 heartbeat 9007199254740992 0 0",
      "1 task_done 1 1 -1",
      "1 task_done 1 1 -0",
      "1 task_done 1 1 inf",
      "1 drop 1 1 5",
      "1 nack 1 0",
      "1 error 1 410742",
      "1 hello 1 0 0 0 8 8 1 1 1 0 0 612f62",
      "1 hello 0 0 0 0 8 8 1 1 1 0 0 6162",
      "1 preempt 1 2",
    ];
    expect(run(["encode"], `${lines.join("\n")}\n`).out).toEqual([
      ...new Array<string>(lines.length - 1).fill("err range"),
      hex(encodeMessage({ type: "preempt", epoch: 1, taskId: 2 }, 1)),
    ]);
  });

  it(`splits a chunked serial stream with garbage exactly like the TS FrameSplitter (seed ${SEED})`, () => {
    const streams = fc.sample(
      fc.tuple(
        fc.array(
          fc.oneof(
            fc.tuple(message, seq).map(([m, s]) => toWire(encodeMessage(m, s))),
            fc.uint8Array({ maxLength: 30 }), // garbage, possibly with delimiters
            fc.constant(new Uint8Array(700).fill(0x41)), // over-long
          ),
          { maxLength: 10 },
        ),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
      ),
      { numRuns: 60, seed: SEED + 3 },
    );
    for (const [parts, sizes] of streams) {
      const stream = Uint8Array.from(parts.flatMap((p) => [...p]));
      const chunks: Uint8Array[] = [];
      for (let at = 0, k = 0; at < stream.length; k++) {
        const n = sizes[k % sizes.length]!;
        chunks.push(stream.subarray(at, at + n));
        at += n;
      }
      const sp = new FrameSplitter();
      const want = chunks.flatMap((c) => sp.push(c)).map((f) => `frame ${hex(f)}`);
      want.push(`stats ${sp.stats.frames} ${sp.stats.overlong} ${sp.stats.malformed}`);
      expect(run(["split"], chunks.map((c) => `${hex(c)}\n`).join("")).out).toEqual(want);
    }
  });

  it("accepts the short COBS form (no closing code after a full 254-byte block)", () => {
    const data = Uint8Array.from({ length: 254 }, (_, i) => i + 1);
    expect(run(["split"], `ff${hex(data)}00\n`).out).toEqual([`frame ${hex(data)}`, "stats 1 0 0"]);
  });
});
