// Tile ownership: which task slot holds each tile. The solvers read the graph's free mask, so the
// two are changed together here and nowhere else.

import { MAX_TILES, targetTiles, targetFree, MAX_STAGES } from "../graph";
import { bitSet, bitClear, bitTest } from "../bitset";
import { taskTiles } from "./tasks";

export const NO_OWNER: i16 = -1;
export const tileOwner = new StaticArray<i16>(MAX_TILES);

export function ownershipReset(): void {
  for (let t = 0; t < MAX_TILES; t++) {
    unchecked((tileOwner[t] = NO_OWNER));
    if (t < targetTiles) bitSet(targetFree, 0, t);
    else bitClear(targetFree, 0, t);
  }
}

/** Gives the k tiles listed in the task's taskTiles row to the slot. */
export function claimTiles(slot: i32, k: i32): void {
  const row = slot * MAX_STAGES;
  for (let i = 0; i < k; i++) {
    const t = <i32>unchecked(taskTiles[row + i]);
    unchecked((tileOwner[t] = <i16>slot));
    bitClear(targetFree, 0, t);
  }
}

/** Returns every tile the slot holds to the free pool. */
export function releaseTiles(slot: i32): void {
  for (let t = 0; t < targetTiles; t++) {
    if (unchecked(tileOwner[t]) == <i16>slot) {
      unchecked((tileOwner[t] = NO_OWNER));
      bitSet(targetFree, 0, t);
    }
  }
}

/** Adds the slot's tiles to the free mask without changing ownership (a what-if for pre-emption). */
export function lendTiles(slot: i32): void {
  for (let t = 0; t < targetTiles; t++) if (unchecked(tileOwner[t]) == <i16>slot) bitSet(targetFree, 0, t);
}

/** Recomputes the free mask from ownership (undoes lendTiles). */
export function restoreFreeMask(): void {
  for (let t = 0; t < targetTiles; t++) {
    if (unchecked(tileOwner[t]) == NO_OWNER) bitSet(targetFree, 0, t);
    else bitClear(targetFree, 0, t);
  }
}

/** Is the free mask exactly the unowned tiles? (invariant check) */
export function freeMaskConsistent(): bool {
  for (let t = 0; t < targetTiles; t++) {
    if (bitTest(targetFree, 0, t) != (unchecked(tileOwner[t]) == NO_OWNER)) return false;
  }
  return true;
}
