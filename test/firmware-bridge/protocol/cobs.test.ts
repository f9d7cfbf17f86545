import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { cobsDecode, cobsEncode, toWire } from "../../../firmware-bridge/protocol/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ""), "hex"));
const run = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("COBS", () => {
  it("encodes the textbook examples", () => {
    expect(hex(toWire(bytes("00")))).toBe("010100");
    expect(hex(toWire(bytes("0000")))).toBe("01010100");
    expect(hex(toWire(bytes("001100")))).toBe("0102110100");
    expect(hex(toWire(bytes("11220033")))).toBe("031122023300");
    expect(hex(toWire(bytes("11223344")))).toBe("051122334400");
    expect(hex(toWire(bytes("11000000")))).toBe("021101010100");
    expect(hex(toWire(new Uint8Array(0)))).toBe("0100");
  });

  it("closes a block after 254 data bytes, and always ends with a code byte (canonical form)", () => {
    // 254 nonzero bytes: FF block, then the closing 01.
    expect(hex(cobsEncode(run(1, 254)))).toBe(`ff${hex(run(1, 254))}01`);
    // 255 nonzero bytes: FF block of 254, then a 2-code block of the last byte.
    expect(hex(cobsEncode(run(1, 255)))).toBe(`ff${hex(run(1, 254))}02ff`);
    // A zero after a full block is a 01 block.
    expect(hex(cobsEncode(new Uint8Array([...run(1, 254), 0])))).toBe(`ff${hex(run(1, 254))}0101`);
  });

  it("decodes the shorter form other encoders emit for a frame ending in a full block", () => {
    expect(cobsDecode(bytes(`ff${hex(run(1, 254))}`))).toEqual(run(1, 254));
  });

  it("round-trips any bytes, never emits 0x00, and stays within n + floor(n/254) + 1 bytes", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 1200 }),
          // Long nonzero runs and zero-heavy data exercise block boundaries more than uniform bytes.
          fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })), { maxLength: 1200 }).map((a) => Uint8Array.from(a)),
          fc
            .tuple(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 3 }))
            .map(([n, z]) => Uint8Array.from([...Array.from({ length: n }, (_, i) => (i % 255) + 1), ...new Array<number>(z).fill(0)])),
        ),
        (raw) => {
          const enc = cobsEncode(raw);
          expect(enc.includes(0)).toBe(false);
          expect(enc.length).toBeLessThanOrEqual(raw.length + Math.floor(raw.length / 254) + 1);
          expect(cobsDecode(enc)).toEqual(raw);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects malformed input instead of throwing", () => {
    expect(cobsDecode(bytes("00"))).toBeNull(); // a code byte of 0
    expect(cobsDecode(bytes("051122"))).toBeNull(); // block runs past the end
    expect(cobsDecode(bytes("03110022"))).toBeNull(); // 0x00 inside a block
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = cobsDecode(b);
        // Anything it accepts is the decoding of a canonical-or-short encoding of the result.
        if (r !== null) expect(cobsDecode(cobsEncode(r))).toEqual(r);
      }),
    );
  });
});
