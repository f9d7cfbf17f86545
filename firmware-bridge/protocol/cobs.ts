// Consistent Overhead Byte Stuffing: removes every 0x00 from a frame so 0x00 can delimit frames
// on the serial line. The encoder is the canonical one of PROTOCOL.md "COBS" (a block is closed
// after 254 data bytes and the frame always ends with a closing code byte), so the C and TS
// encoders produce identical bytes; the decoder also accepts a frame without that last code.

/** COBS bytes of `raw`, without the 0x00 delimiter: raw.length + floor(raw.length / 254) + 1 bytes. */
export function cobsEncode(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.length + Math.floor(raw.length / 254) + 1);
  let codeAt = 0;
  let at = 1;
  let code = 1;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = at++;
      code = 1;
    } else {
      out[at++] = b;
      if (++code === 0xff) {
        out[codeAt] = code;
        codeAt = at++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, at);
}

/** Decoded bytes, or null when `enc` is not valid COBS (a 0x00 inside, or a block running past the end). */
export function cobsDecode(enc: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(enc.length);
  let at = 0;
  let i = 0;
  while (i < enc.length) {
    const code = enc[i++]!;
    if (code === 0 || i + code - 1 > enc.length) return null;
    for (let k = 1; k < code; k++) {
      const b = enc[i++]!;
      if (b === 0) return null;
      out[at++] = b;
    }
    // A block shorter than 254 data bytes stood for "data then 0x00", except at the very end.
    if (code !== 0xff && i < enc.length) out[at++] = 0;
  }
  return out.subarray(0, at);
}

/** What goes on the serial line for one raw frame: COBS bytes then the 0x00 delimiter. */
export function toWire(raw: Uint8Array): Uint8Array {
  const enc = cobsEncode(raw);
  const wire = new Uint8Array(enc.length + 1);
  wire.set(enc);
  return wire;
}
