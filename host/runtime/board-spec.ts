// Where `immsched run --board` finds the board:
//   sim                      the virtual board in this process, over an in-process link that
//                            carries the real encoded frames (the default: no board, no broker)
//   mqtt                     the virtual board in this process, over MQTT through an embedded
//                            broker (aedes) started here
//   serial:PATH[@BAUD]       a board on a serial line (default 921600 baud)
//   mqtt://HOST:PORT/ID      board ID behind the broker at HOST:PORT

import { InvalidArgumentError } from "commander";
import { DEFAULT_BAUD } from "../../firmware-bridge/link/serial.js";
import { isBoardId } from "../../firmware-bridge/protocol/index.js";

export type BoardSpec =
  | { kind: "sim" }
  | { kind: "mqtt-embedded"; boardId: string }
  | { kind: "serial"; path: string; baud: number }
  | { kind: "mqtt"; url: string; boardId: string };

export const BOARD_SPEC_HELP = "sim | mqtt | serial:PATH[@BAUD] | mqtt://HOST:PORT/ID";

export function parseBoardSpec(value: string): BoardSpec {
  const v = value.trim();
  if (v === "sim") return { kind: "sim" };
  if (v === "mqtt") return { kind: "mqtt-embedded", boardId: "sim" };
  if (v.startsWith("serial:")) {
    const m = /^serial:([^@]+)(?:@(\d+))?$/.exec(v);
    if (!m) throw new InvalidArgumentError(`--board "${value}": expected serial:PATH or serial:PATH@BAUD`);
    const baud = m[2] === undefined ? DEFAULT_BAUD : Number(m[2]);
    if (!Number.isSafeInteger(baud) || baud < 50) throw new InvalidArgumentError(`--board "${value}": baud must be a positive integer`);
    return { kind: "serial", path: m[1]!, baud };
  }
  if (v.startsWith("mqtt://") || v.startsWith("mqtts://")) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new InvalidArgumentError(`--board "${value}": not a URL`);
    }
    const boardId = url.pathname.replace(/^\/+/, "");
    if (!isBoardId(boardId)) {
      throw new InvalidArgumentError(`--board "${value}": expected mqtt://HOST:PORT/ID with a board ID of 1-32 [A-Za-z0-9_-]`);
    }
    return { kind: "mqtt", url: `${url.protocol}//${url.host}`, boardId };
  }
  throw new InvalidArgumentError(`--board "${value}": expected ${BOARD_SPEC_HELP}`);
}
