// MQTT topic mapping (PROTOCOL.md "MQTT"): immsched/<board>/<kind>, the payload being the raw
// frame (no COBS). ACK and NACK flow both ways, so the host's are published under host_ack /
// host_nack: each side then subscribes only to the other side's kinds and never hears itself.

import { SENDER, type MessageType } from "./messages.js";
import { isBoardId } from "./limits.js";

export const TOPIC_ROOT = "immsched";
/** Retained text "online" / "offline" (the last will); not a frame. */
export const STATUS_KIND = "status";
export const STATUS_ONLINE = "online";
export const STATUS_OFFLINE = "offline";

export type Side = "board" | "host";

/** Topic kind of a message of `type` sent by `from`. */
export function topicKind(type: MessageType, from: Side): string {
  return from === "host" && (type === "ack" || type === "nack") ? `host_${type}` : type;
}

export function topicFor(boardId: string, type: MessageType, from: Side): string {
  return `${TOPIC_ROOT}/${boardId}/${topicKind(type, from)}`;
}

/** Board id, sender and message type of a frame topic, or kind "status"; null for anything else. */
export function parseTopic(
  topic: string,
): { boardId: string; kind: "status" } | { boardId: string; kind: "frame"; type: MessageType; from: Side } | null {
  const parts = topic.split("/");
  if (parts.length !== 3 || parts[0] !== TOPIC_ROOT) return null;
  const boardId = parts[1]!;
  const kind = parts[2]!;
  if (!isBoardId(boardId)) return null;
  if (kind === STATUS_KIND) return { boardId, kind: "status" };
  if (kind === "host_ack") return { boardId, kind: "frame", type: "ack", from: "host" };
  if (kind === "host_nack") return { boardId, kind: "frame", type: "nack", from: "host" };
  if (!Object.hasOwn(SENDER, kind)) return null;
  const type = kind as MessageType;
  // Plain ack / nack are the board's (SENDER "both").
  return { boardId, kind: "frame", type, from: SENDER[type] === "host" ? "host" : "board" };
}

/** Topic filters a side subscribes to: the other side's kinds (board: its own id; host: "+" for all). */
export function subscriptions(side: Side, boardId = "+"): string[] {
  const kinds = (Object.keys(SENDER) as MessageType[])
    .filter((t) => SENDER[t] === "both" || SENDER[t] !== side)
    .map((t) => topicKind(t, side === "board" ? "host" : "board"));
  if (side === "host") kinds.push(STATUS_KIND);
  return kinds.map((k) => `${TOPIC_ROOT}/${boardId}/${k}`);
}
