// What the runtime tests that play the board by hand share: the HELLO of an 8x8 board, a transport
// that records every frame the host sends, and a settle that lets the in-process pair drain.
import type { FrameTransport } from "../../firmware-bridge/link/transport.js";
import { HELLO_FLAGS, type Message, PROTOCOL_VERSION, decodeFrame } from "../../firmware-bridge/protocol/index.js";

/** Lets every frame in flight arrive and be answered: the pair delivers with setImmediate, so a few
 * turns of the event loop drain it, however slow the machine (no wall-clock wait). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

/** The HELLO of an 8x8 board that runs tasks tile-spatially and layer-temporally. */
export function boardHello(boardId: string, boardTimeNs: number): Message {
  return {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    fwMajor: 0,
    fwMinor: 1,
    fwPatch: 0,
    meshWidth: 8,
    meshHeight: 8,
    pesPerTile: 64,
    clockMhz: 1000,
    maxTasks: 256,
    flags: HELLO_FLAGS.tileSpatial | HELLO_FLAGS.layerTemporal,
    boardTimeNs,
    boardId,
  };
}

/** `inner` with every frame sent through it decoded into `sent` (those `keep` accepts), in order. */
export function recordingSends(
  inner: FrameTransport,
  keep: (m: Message) => boolean = () => true,
): { transport: FrameTransport; sent: Message[] } {
  const sent: Message[] = [];
  const transport: FrameTransport = {
    get stats() {
      return inner.stats;
    },
    describe: inner.describe,
    onFrame: (handler) => inner.onFrame(handler),
    close: () => inner.close(),
    send(frame, type) {
      const r = decodeFrame(frame);
      if (r.ok && keep(r.message)) sent.push(r.message);
      inner.send(frame, type);
    },
  };
  return { transport, sent };
}
