// The TypeScript receive path under property-based mutation: valid wire streams (several COBS
// frames) with random byte edits go through the serial splitter and the decoder, and raw frames
// with edits through the decoder alone (the MQTT path). Nothing may throw, every frame handed on
// is bounded by the protocol's limits, the splitter never holds more than one frame, and a frame
// that still decodes re-encodes to the same bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FrameSplitter,
  MAX_COBS_FRAME,
  MAX_RAW_FRAME,
  decodeFrame,
  encodeMessage,
  toWire,
} from "../../../firmware-bridge/protocol/index.js";
import { mutatedBytes } from "../../support/mutate.js";
import { message, seq } from "./arbitraries.js";

const stream = fc.array(fc.tuple(message, seq), { minLength: 1, maxLength: 4 }).map((ms) => {
  const parts = ms.map(([m, s]) => toWire(encodeMessage(m, s)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
});

describe("TypeScript decoder under mutation", () => {
  it("splits and decodes mutated wire streams without throwing, within the protocol's bounds", () => {
    const seen = { frames: 0, decoded: 0, rejected: 0 };
    fc.assert(
      fc.property(
        stream.chain((s) => mutatedBytes(s, 6)),
        fc.integer({ min: 1, max: 64 }),
        (wire, chunk) => {
          const splitter = new FrameSplitter();
          for (let i = 0; i < wire.length; i += chunk) {
            for (const f of splitter.push(wire.subarray(i, i + chunk))) {
              seen.frames++;
              expect(f.length).toBeLessThanOrEqual(MAX_COBS_FRAME);
              const r = decodeFrame(f);
              if (!r.ok) {
                seen.rejected++;
                continue;
              }
              seen.decoded++;
              expect(f.length).toBeLessThanOrEqual(MAX_RAW_FRAME);
              expect(Buffer.from(encodeMessage(r.message, r.seq)).equals(Buffer.from(f))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
    console.log(`decoder fuzz: ${seen.frames} frames split, ${seen.decoded} decoded, ${seen.rejected} rejected`);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.decoded).toBeGreaterThan(0);
  });

  it("decodes mutated raw frames (the MQTT payload) without throwing", () => {
    fc.assert(
      fc.property(
        fc.tuple(message, seq).chain(([m, s]) => mutatedBytes(encodeMessage(m, s), 3)),
        (raw) => {
          const r = decodeFrame(raw);
          if (r.ok) expect(Buffer.from(encodeMessage(r.message, r.seq)).equals(Buffer.from(raw))).toBe(true);
          else expect(typeof r.error).toBe("string");
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("rejects an oversized MQTT payload as 'length' without reading it", () => {
    const r = decodeFrame(new Uint8Array(1 << 20).fill(1));
    expect(r.ok).toBe(false);
  });
});
