// What the runtime tests that play the board by hand share: the HELLO of an 8x8 board, a transport
// that records every frame the host sends, and a settle that lets the in-process pair drain.
import type { FrameTransport } from "../../firmware-bridge/link/transport.js";
import { type Message, decodeFrame } from "../../firmware-bridge/protocol/index.js";
import { boardHello as hello } from "../../firmware-bridge/board/hello.js";

/** Lets every frame in flight arrive and be answered: the pair delivers with setImmediate, so a few
 * turns of the event loop drain it, however slow the machine (no wall-clock wait). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

/** The HELLO of an 8x8 board that runs tasks tile-spatially and layer-temporally (the virtual board's). */
export function boardHello(boardId: string, boardTimeNs: number): Message {
  return hello({ boardId, boardTimeNs });
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
