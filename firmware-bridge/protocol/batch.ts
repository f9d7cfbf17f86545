// One decision, as few frames as the protocol allows (PROTOCOL.md §4 BATCH, protocol 2): the
// commands of a decision go as one BATCH, or as the lone command when there is one. A decision too
// big for MAX_PAYLOAD (more than three 64-stage placements, more than MAX_BATCH commands) is cut
// into several BATCHes, in order, each filled as far as it goes.

import { MAX_BATCH, MAX_PAYLOAD } from "./limits.js";
import type { Batch, DecisionMessage } from "./messages.js";

/** Bytes a command takes inside a BATCH: its type byte and its payload. */
export function batchEntrySize(c: DecisionMessage): number {
  return 1 + (c.type === "preempt" ? 8 : c.type === "drop" ? 9 : c.type === "variant" ? 6 : 9 + 2 * c.tiles.length);
}

/** The frames (messages) that carry `commands` in order: a lone command as itself, more as BATCHes. */
export function packDecision(commands: readonly DecisionMessage[]): Array<DecisionMessage | Batch> {
  if (commands.length <= 1) return [...commands];
  const out: Array<DecisionMessage | Batch> = [];
  let current: DecisionMessage[] = [];
  let size = 1; // the count byte
  const flush = () => {
    if (current.length === 1) out.push(current[0]!);
    else if (current.length > 1) out.push({ type: "batch", commands: current });
    current = [];
    size = 1;
  };
  for (const c of commands) {
    const n = batchEntrySize(c);
    if (current.length === MAX_BATCH || size + n > MAX_PAYLOAD) flush();
    current.push(c);
    size += n;
  }
  flush();
  return out;
}
