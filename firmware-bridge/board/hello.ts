// The HELLO a board opens each session with (PROTOCOL.md §6), with the defaults of the virtual
// board: an 8x8 mesh of 64-PE tiles at 1 GHz, firmware 0.1.0, 256 open tasks, tile-spatial and
// layer-temporal. The virtual board, the link benchmark and the tests that play a board by hand
// all say it through here.
import { HELLO_FLAGS, type Hello, PROTOCOL_VERSION } from "../protocol/index.js";

export interface HelloFields {
  boardId: string;
  boardTimeNs: number;
  mesh?: { width: number; height: number };
  pesPerTile?: number;
  clockMhz?: number;
  maxTasks?: number;
  firmware?: [major: number, minor: number, patch: number];
  /** HELLO_FLAGS bits (default tile-spatial and layer-temporal). */
  flags?: number;
}

export function boardHello(f: HelloFields): Hello {
  return {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    fwMajor: f.firmware?.[0] ?? 0,
    fwMinor: f.firmware?.[1] ?? 1,
    fwPatch: f.firmware?.[2] ?? 0,
    meshWidth: f.mesh?.width ?? 8,
    meshHeight: f.mesh?.height ?? 8,
    pesPerTile: f.pesPerTile ?? 64,
    clockMhz: f.clockMhz ?? 1000,
    maxTasks: f.maxTasks ?? 256,
    flags: f.flags ?? HELLO_FLAGS.tileSpatial | HELLO_FLAGS.layerTemporal,
    boardTimeNs: f.boardTimeNs,
    boardId: f.boardId,
  };
}
