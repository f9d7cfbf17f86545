// An older peer is refused by name (PROTOCOL.md "Versions"): `immsched run` in its own process on a
// socat pty, and at the other end of the line a protocol-1 board played with the real codec and
// serialport, which says HELLO (protocol_version 1) the way protocol-1 firmware does.
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immschedProc, ptyPair, stop, type Proc } from "./processes.js";
import { lacksCommand } from "../support/requires.js";
import { SerialTransport } from "../../firmware-bridge/link/serial.js";
import { type Message, decodeFrame, encodeMessage } from "../../firmware-bridge/protocol/index.js";

const NO_SOCAT = lacksCommand("socat", "socat", "protocol versions over a serial pty");
let procs: Proc[] = [];
let dir = "";
afterEach(async () => {
  for (const p of procs) await stop(p);
  procs = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("protocol versions", () => {
  it.skipIf(NO_SOCAT)(
    "immsched run refuses a protocol-1 board: a NACK version, a message naming the board and both versions, exit 1",
    async () => {
      dir = mkdtempSync(join(tmpdir(), "immsched-version-"));
      const pty = await ptyPair(dir);
      procs.push(pty.proc);
      const board = await SerialTransport.open(pty.b, 921600);
      const heard: Message[] = [];
      board.onFrame((f) => {
        const r = decodeFrame(f);
        if (r.ok) heard.push(r.message);
      });
      const host = immschedProc(["run", "--board", `serial:${pty.a}`, "--scenario", "VR_gaming", "--duration", "20", "--quiet"]);
      procs.push(host);
      const oldHello: Message = {
        type: "hello",
        protocolVersion: 1,
        fwMajor: 0,
        fwMinor: 9,
        fwPatch: 4,
        meshWidth: 8,
        meshHeight: 8,
        pesPerTile: 64,
        clockMhz: 1000,
        maxTasks: 32,
        flags: 2,
        boardTimeNs: 1000,
        boardId: "oldfw",
      };
      // a protocol-1 board repeats its HELLO until it is answered
      const timer = setInterval(() => board.send(encodeMessage(oldHello, 0)), 200);
      const code = await host.exited;
      clearInterval(timer);
      await board.close();
      expect(code).toBe(1);
      expect(host.stderr()).toMatch(/board oldfw speaks protocol 1 \(firmware 0\.9\.4\); this host needs protocol 2/);
      expect(heard.some((m) => m.type === "nack" && m.reason === "version" && m.ackedSeq === 0)).toBe(true);
      expect(heard.some((m) => m.type === "ack")).toBe(false); // never a session
    },
    30_000,
  );
});
