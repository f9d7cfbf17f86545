// Sizes and value limits of protocol version 2 (PROTOCOL.md "Frame" and "Limits"). Firmware
// sizes its buffers from these, so they are part of the protocol, not tuning knobs.

/**
 * Version 2 added BATCH (the commands of one decision in one frame). Every frame carries it in its
 * header, except HELLO, which keeps header version 1 so that any host can read it and see the
 * board's protocol_version (PROTOCOL.md §6).
 */
export const PROTOCOL_VERSION = 2;
/** Header version of every HELLO, in every protocol version. */
export const HELLO_HEADER_VERSION = 1;

/** version u8, type u8, seq u16, length u16. */
export const HEADER_SIZE = 6;
export const CRC_SIZE = 2;
/** Largest payload a receiver must accept; a larger length field is rejected as "length". */
export const MAX_PAYLOAD = 512;
/** Header + payload + CRC. */
export const MAX_RAW_FRAME = HEADER_SIZE + MAX_PAYLOAD + CRC_SIZE;
/** COBS adds one code byte per started 254-byte block: n + floor(n / 254) + 1. */
export const MAX_COBS_FRAME = MAX_RAW_FRAME + Math.floor(MAX_RAW_FRAME / 254) + 1;
/** COBS bytes plus the 0x00 delimiter. */
export const MAX_WIRE_FRAME = MAX_COBS_FRAME + 1;

/** The core places at most 64 stages (assembly/graph.ts), so a schedule never lists more tiles. */
export const MAX_STAGES = 64;
/**
 * Commands in one BATCH: the count is a u8 and the smallest command entry (PREEMPT) takes 9 bytes,
 * so MAX_PAYLOAD bounds a batch at 56 anyway; a decision with more goes out as several BATCHes.
 */
export const MAX_BATCH = 56;
/**
 * STAGE_DONE.stage is a pipeline stage (0..63) or, for a layer-temporal task, a layer: the core
 * holds models of up to 8192 layers (assembly/controller/models.ts MAX_LAYERS).
 */
export const MAX_STEPS = 8192;
export const MAX_BOARD_ID = 32;
/** A board id: 1..MAX_BOARD_ID characters of [A-Za-z0-9_-] (it is an MQTT topic segment). */
export const BOARD_ID = /^[A-Za-z0-9_-]{1,32}$/;
export function isBoardId(s: string): boolean {
  return BOARD_ID.test(s);
}
export const MAX_ERROR_TEXT = 255;
/**
 * Largest u64 time/duration on the wire: 2^53 - 1 ns (about 104 days). The host keeps times as
 * JS numbers, exact only up to 2^53, so both codecs reject larger values ("range") rather than
 * round them; a board whose clock passes this starts a new session (HELLO) with a reset clock.
 */
export const MAX_NS = Number.MAX_SAFE_INTEGER;
/** ARRIVAL.frame when the workload has no frame numbers. */
export const NO_FRAME = 0xffff_ffff;
/** TELEMETRY.tempCentiC when the board has no sensor. */
export const TEMP_UNKNOWN = -32768;
