// Frames over a serial line with the real `serialport` package: COBS-encoded, 0x00-delimited
// (PROTOCOL.md §3). Works on a real UART or a pseudo-terminal (socat), which is how the
// hardware-in-the-loop tests run it.

import { SerialPort } from "serialport";
import { FrameSplitter, toWire } from "../protocol/index.js";
import { type FrameTransport, type TransportStats, deliverStream, emptyStats } from "./transport.js";
import { LinkError } from "./errors.js";

/** Line rate when none is given: the fastest standard rate common USB-UART bridges take. */
export const DEFAULT_BAUD = 921600;

export class SerialTransport implements FrameTransport {
  readonly stats: TransportStats = emptyStats();
  readonly describe: string;
  private handler: (frame: Uint8Array) => void = () => {};
  private readonly splitter = new FrameSplitter();

  private constructor(
    private readonly port: SerialPort,
    path: string,
    baud: number,
  ) {
    this.describe = `serial ${path} @ ${baud}`;
    // a cable pulled or a pty closed: counted, never thrown (an unhandled 'error' would end the
    // process); the runtime notices the silence and treats the board as lost
    const fault = (what: string) => {
      this.stats.errors++;
      this.stats.lastError = what;
    };
    port.on("error", (err: Error) => fault(err.message));
    port.on("close", (err?: { disconnected?: boolean }) => {
      if (err) fault(`port ${path} closed: disconnected`);
    });
    port.on("data", (chunk: Buffer) => deliverStream(this.splitter, chunk, this.stats, this.handler));
  }

  /** Opens the port; rejects with the OS's reason (no such device, permission denied, busy). */
  static open(path: string, baud = DEFAULT_BAUD): Promise<SerialTransport> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
      port.open((err) => {
        if (err) reject(new LinkError(`cannot open serial port ${path}: ${err.message.replace(/^Error: /, "")}`));
        else resolve(new SerialTransport(port, path, baud));
      });
    });
  }

  send(frame: Uint8Array): void {
    if (!this.port.isOpen) {
      this.stats.errors++;
      this.stats.lastError = "write on a closed port";
      return;
    }
    const wire = toWire(frame);
    this.stats.framesSent++;
    this.stats.bytesSent += wire.length;
    this.port.write(Buffer.from(wire.buffer, wire.byteOffset, wire.length));
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** Resolves once everything written so far has left the port. */
  drain(): Promise<void> {
    return new Promise((resolve) => this.port.drain(() => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) return resolve();
      this.port.close(() => resolve());
    });
  }
}
