// The degree filter of every candidate matrix, bit-parallel: a monomorphism maps a stage of degree
// d to a tile with at least d free links, so stage i's row starts from the free tiles of free
// degree >= d. One 256-bit set per threshold q is built per solve; a row is one AND.

import { WORDS, bitSet, setClear, setCopy, setPopFirst, setCountAnd } from "../bitset";
import { targetAdj, targetFree, targetFreeDegree, patternStages, patternNbr } from "../graph";
import { charge } from "../meter";

/** Thresholds tracked: a stage of higher degree is filtered as one of degree MAX_Q (refinement does the rest). */
export const MAX_Q: i32 = 8;
/** Free tiles with at least q free neighbours, q = 0..patternMaxQ (row q at q * WORDS). */
export const degreeAtLeast = new StaticArray<u64>((MAX_Q + 1) * WORDS);
const todo = new StaticArray<u64>(WORDS);
/** Largest stage degree, capped at MAX_Q. */
export let patternMaxQ: i32 = 0;

/** Every free tile's free degree (targetFreeDegree) and the free tiles per degree threshold. */
export function countDegrees(): void {
  const n = patternStages;
  let top = 0;
  for (let i = 0; i < n; i++) top = max(top, <i32>popcnt(unchecked(patternNbr[i])));
  patternMaxQ = min(top, MAX_Q);
  for (let q = 0; q <= patternMaxQ; q++) setClear(degreeAtLeast, q * WORDS);
  let free = 0;
  setCopy(todo, 0, targetFree, 0);
  for (let t = setPopFirst(todo, 0); t >= 0; t = setPopFirst(todo, 0)) {
    const d = setCountAnd(targetAdj, t * WORDS, targetFree, 0);
    unchecked((targetFreeDegree[t] = d));
    for (let q = min(d, patternMaxQ); q >= 0; q--) bitSet(degreeAtLeast, q * WORDS, t);
    free++;
  }
  // each free tile is visited here and once more by the regions' flood fill (free-regions.ts)
  charge(<u64>(n + 2 * free));
}
