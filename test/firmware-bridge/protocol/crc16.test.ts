import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { crc16 } from "../../../firmware-bridge/protocol/index.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("crc16 (CRC-16/CCITT-FALSE)", () => {
  it('gives the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16(ascii("123456789"))).toBe(0x29b1);
  });

  it("is the init value 0xFFFF on no bytes and matches other known values", () => {
    expect(crc16(new Uint8Array(0))).toBe(0xffff);
    // Bitwise reference values (poly 0x1021, init 0xFFFF, no reflection): "A" -> 0xB915.
    expect(crc16(ascii("A"))).toBe(0xb915);
    expect(crc16(new Uint8Array([0x00]))).toBe(0xe1f0);
  });

  it("can continue over pieces", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const whole = new Uint8Array([...a, ...b]);
        expect(crc16(b, crc16(a))).toBe(crc16(whole));
      }),
    );
  });

  it("agrees with a bit-by-bit reference", () => {
    const ref = (bytes: Uint8Array): number => {
      let c = 0xffff;
      for (const x of bytes) {
        c ^= x << 8;
        for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
      }
      return c;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(crc16(b)).toBe(ref(b));
      }),
    );
  });
});
