// What a link carries: raw protocol frames (header + payload + CRC, PROTOCOL.md §2), one at a
// time, in both directions. Each transport (serial, MQTT, in-process pair) implements this small
// interface, so the endpoint, the host runtime and the virtual board never know which one they
// run on (the way node-serialport injects its binding).

import type { FrameSplitter, MessageType } from "../protocol/index.js";

export interface TransportStats {
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  /** Frames dropped below the codec: bad COBS, over-long, a topic that names no frame kind. */
  malformed: number;
  /** Faults of the link itself (a serial port gone, a broker connection lost): counted, survived. */
  errors: number;
  lastError?: string;
}

export interface FrameTransport {
  /** Sends one raw frame; `type` routes it on MQTT (the topic kind) and is ignored on serial. */
  send(frame: Uint8Array, type: MessageType): void;
  /** Called with every raw frame that arrives (not yet decoded), in arrival order. */
  onFrame(handler: (frame: Uint8Array, type?: MessageType) => void): void;
  /** Peer presence where the transport knows it (MQTT retained status). */
  onStatus?(handler: (status: "online" | "offline") => void): void;
  /**
   * The external arrivals feed where the transport has one (MQTT `immsched/<board>/arrivals`): raw
   * JSON payloads, parsed by link/external-arrival.ts. Absent: no task can arrive but over the link.
   */
  onExternal?(handler: (payload: Buffer) => void): void;
  /**
   * The link is back after a fault (MQTT: connected again, to the same broker or the next node):
   * frames sent while it was down may be gone, so the endpoint sends its unacknowledged ones again
   * at once rather than at their retry timer (a second with the fleet's links).
   */
  onReconnect?(handler: () => void): void;
  /** Resolves once every byte written has left (serial: before closing, so the last frames are not cut). */
  drain?(): Promise<void>;
  close(): Promise<void>;
  readonly stats: TransportStats;
  /** A short description for logs: "serial /dev/pts/3 @ 921600", "mqtt://127.0.0.1:1883 (MQTT 5)". */
  readonly describe: string;
}

export function emptyStats(): TransportStats {
  return { framesSent: 0, bytesSent: 0, framesReceived: 0, malformed: 0, errors: 0 };
}

/**
 * Feeds bytes of a COBS stream (serial, the in-process pair) to a splitter and hands over every
 * frame it completes; frames it drops (bad COBS, over-long) are counted as malformed.
 */
export function deliverStream(
  splitter: FrameSplitter,
  bytes: Uint8Array,
  stats: TransportStats,
  handler: (frame: Uint8Array) => void,
): void {
  const before = splitter.stats.overlong + splitter.stats.malformed;
  for (const f of splitter.push(bytes)) {
    stats.framesReceived++;
    handler(f);
  }
  stats.malformed += splitter.stats.overlong + splitter.stats.malformed - before;
}
