// An in-process link: two transports joined back to back, each frame COBS-encoded and split again
// on the way, so `immsched run --board sim` exercises the same bytes as a serial line. Delivery is
// asynchronous (setImmediate), as on a real link: a send never re-enters the sender.

import { FrameSplitter, toWire } from "../protocol/index.js";
import { type FrameTransport, type TransportStats, deliverStream, emptyStats } from "./transport.js";

class PairEnd implements FrameTransport {
  readonly stats: TransportStats = emptyStats();
  readonly describe = "in-process link";
  peer!: PairEnd;
  private handler: (frame: Uint8Array) => void = () => {};
  private readonly splitter = new FrameSplitter();
  private closed = false;

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const wire = toWire(frame);
    this.stats.framesSent++;
    this.stats.bytesSent += wire.length;
    const peer = this.peer;
    setImmediate(() => peer.receive(wire));
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    deliverStream(this.splitter, bytes, this.stats, this.handler);
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Two joined ends: what one sends, the other receives. */
export function transportPair(): [FrameTransport, FrameTransport] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
