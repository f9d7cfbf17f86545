// Connected regions of free tiles. A task's pattern is connected (its stages are linked through
// the model's edges, its lanes side by side), so a placement lies inside one free region: a
// pattern with more stages than the largest region has provably no placement, and the solver need
// not be asked (which, on a fragmented board, could spend its whole budget proving it).

import { WORDS, setClear, setCopy, setIsEmpty, setFirst, setPopFirst, setCount } from "./bitset";
import { targetAdj, targetFree } from "./graph";
import { colourPattern, patternIsConnected } from "./proofs/colouring";
import { charge } from "./meter";

const left = new StaticArray<u64>(WORDS);
const frontier = new StaticArray<u64>(WORDS);
const reached = new StaticArray<u64>(WORDS);

/**
 * Removes from `set` (WORDS words at 0) the region of `seed` (a member) and returns its size:
 * a flood fill over the link bitsets.
 */
export function takeRegion(set: StaticArray<u64>, seed: i32): i32 {
  setClear(frontier, 0);
  unchecked((frontier[seed >>> 6] = (<u64>1) << <u64>(seed & 63)));
  unchecked((set[seed >>> 6] = set[seed >>> 6] & ~((<u64>1) << <u64>(seed & 63))));
  let size = 0;
  let u = setPopFirst(frontier, 0);
  while (u >= 0) {
    size++;
    const a = u * WORDS;
    for (let w = 0; w < WORDS; w++) {
      const reach = unchecked(targetAdj[a + w]) & unchecked(set[w]);
      unchecked((frontier[w] = frontier[w] | reach));
      unchecked((set[w] = set[w] & ~reach));
    }
    u = setPopFirst(frontier, 0);
  }
  return size;
}

/** Tiles in the largest connected region of free tiles (0 when none is free). */
export function largestFreeRegion(): i32 {
  setCopy(left, 0, targetFree, 0);
  let best = 0;
  let remaining = setCount(left, 0);
  while (remaining > best && !setIsEmpty(left, 0)) {
    const size = takeRegion(left, setFirst(left, 0));
    best = max(best, size);
    remaining -= size;
  }
  charge(<u64>setCount(targetFree, 0));
  return best;
}

/** Is the loaded pattern connected (as an undirected graph)? */
export function patternConnected(): bool {
  colourPattern();
  return patternIsConnected;
}
