// Cuts a serial byte stream (chunks of any size, as the port delivers them) into frames at the
// 0x00 delimiters and COBS-decodes them. A frame longer than the protocol allows, or not valid
// COBS, is dropped and counted: after line noise or a board reset the splitter resynchronises at
// the next 0x00 without ever holding more than one maximal frame.

import { MAX_COBS_FRAME } from "./limits.js";
import { cobsDecode } from "./cobs.js";

export interface SplitterStats {
  /** Frames handed out (COBS-valid; their header and CRC are checked later by decodeFrame). */
  frames: number;
  /** Frames dropped for exceeding maxEncoded bytes before their delimiter. */
  overlong: number;
  /** Frames dropped for invalid COBS. */
  malformed: number;
}

export class FrameSplitter {
  readonly stats: SplitterStats = { frames: 0, overlong: 0, malformed: 0 };
  private readonly buf: Uint8Array;
  private len = 0;
  private overflow = false;

  /** @param maxEncoded longest COBS frame accepted (without delimiter); default MAX_COBS_FRAME. */
  constructor(readonly maxEncoded = MAX_COBS_FRAME) {
    this.buf = new Uint8Array(maxEncoded);
  }

  /** Feeds one chunk; returns the raw frames (header + payload + CRC) completed by it, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== 0) {
        if (this.len < this.maxEncoded) this.buf[this.len++] = b;
        else this.overflow = true;
        continue;
      }
      if (this.overflow) this.stats.overlong++;
      else if (this.len > 0) {
        // Empty frames (0x00 0x00) are not errors: senders may send a lone 0x00 to flush a receiver.
        const raw = cobsDecode(this.buf.subarray(0, this.len));
        if (raw === null) this.stats.malformed++;
        else {
          this.stats.frames++;
          frames.push(raw.slice());
        }
      }
      this.len = 0;
      this.overflow = false;
    }
    return frames;
  }

  /** Forgets a partial frame (e.g. when the port is reopened). */
  reset(): void {
    this.len = 0;
    this.overflow = false;
  }
}
