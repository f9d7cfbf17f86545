// The controller's commands: what the core decides (host/core/controller.ts decodes them), what the
// board executes (firmware-bridge/board/machine.ts) and, as wire messages, what travels between.
// Defined here, the one place all three import: the protocol imports neither the host nor the board.

import type { CommandMessage, DropReason, Message } from "./messages.js";
import { DROP_REASON_CODES } from "./messages.js";

export type Command =
  | { kind: "place" | "resume"; epoch: number; taskId: number; stages: number; tiles: number[] }
  | { kind: "preempt"; epoch: number; taskId: number }
  | { kind: "drop"; epoch: number; taskId: number; reason: DropReason };

/** place -> SCHEDULE, resume -> RESUME, preempt -> PREEMPT, drop -> DROP. Throws when stages != tiles.length. */
export function commandToMessage(c: Command): CommandMessage {
  switch (c.kind) {
    case "place":
    case "resume":
      // The wire carries one tile per stage; a count that disagrees would be silently lost.
      if (c.stages !== c.tiles.length)
        throw new RangeError(`${c.kind} of task ${c.taskId}: ${c.stages} stages but ${c.tiles.length} tiles`);
      return { type: c.kind === "place" ? "schedule" : "resume", epoch: c.epoch, taskId: c.taskId, tiles: [...c.tiles] };
    case "preempt":
      return { type: "preempt", epoch: c.epoch, taskId: c.taskId };
    case "drop":
      if (!Object.hasOwn(DROP_REASON_CODES, c.reason)) throw new RangeError(`drop reason "${c.reason}" unknown`);
      return { type: "drop", epoch: c.epoch, taskId: c.taskId, reason: c.reason };
  }
}

/** The command a board applies for a message, or null for a message that is not a command. */
export function messageToCommand(m: Message): Command | null {
  switch (m.type) {
    case "schedule":
    case "resume":
      return {
        kind: m.type === "schedule" ? "place" : "resume",
        epoch: m.epoch,
        taskId: m.taskId,
        stages: m.tiles.length,
        tiles: [...m.tiles],
      };
    case "preempt":
      return { kind: "preempt", epoch: m.epoch, taskId: m.taskId };
    case "drop":
      return { kind: "drop", epoch: m.epoch, taskId: m.taskId, reason: m.reason };
    default:
      return null;
  }
}
