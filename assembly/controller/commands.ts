// The command queue the host drains after every event: what the board must do, in order.
// Each record is i32 words: [kind, epoch, task id, arg, tile count, tile 0, tile 1, ...].
//   PLACE   arg = stage count k; tiles = stage -> tile (count 0: the whole array, layer-temporal)
//   PREEMPT arg = 0; stop at the next layer / stage boundary (spatial: checkpoint live activations)
//   RESUME  arg = stage count k; tiles = the new stage -> tile (count 0: the whole array)
//   DROP    arg = reason (DROP_*)
// Epochs increase by one per command, so the board can ignore anything older than what it applied.

import { MAX_STAGES } from "../graph";

export const CMD_PLACE: i32 = 1;
export const CMD_PREEMPT: i32 = 2;
export const CMD_RESUME: i32 = 3;
export const CMD_DROP: i32 = 4;

/** The task could not start (or resume) before its deadline. */
export const DROP_DEADLINE: i32 = 1;
/** The task table was full when it arrived. */
export const DROP_QUEUE_FULL: i32 = 2;
/** No variant of the model can be placed even on an empty board. */
export const DROP_UNPLACEABLE: i32 = 3;
/** The model id is not in the model table. */
export const DROP_UNKNOWN_MODEL: i32 = 4;

const CAPACITY: i32 = 64 * (5 + MAX_STAGES);
export const commandWords = new StaticArray<i32>(CAPACITY);
export let commandLength: i32 = 0;
export let commandCount: i32 = 0;
export let epoch: u32 = 0;

export function commandsReset(): void {
  commandLength = 0;
  commandCount = 0;
}

export function epochReset(): void {
  epoch = 0;
}

/** Starts a record; false if the queue is full (the host drains after every event, so it is not). */
export function pushCommand(kind: i32, task: u32, arg: i32, tiles: i32): bool {
  if (commandLength + 5 + tiles > CAPACITY) return false;
  const at = commandLength;
  unchecked((commandWords[at] = kind));
  unchecked((commandWords[at + 1] = <i32>++epoch));
  unchecked((commandWords[at + 2] = <i32>task));
  unchecked((commandWords[at + 3] = arg));
  unchecked((commandWords[at + 4] = tiles));
  commandLength = at + 5 + tiles;
  commandCount++;
  return true;
}

/** Fills tile i of the record just pushed (whose tile count was `tiles`). */
// @ts-ignore: decorator
@inline export function setCommandTile(tiles: i32, i: i32, tile: i32): void {
  unchecked((commandWords[commandLength - tiles + i] = tile));
}
