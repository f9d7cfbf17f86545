// Placement quality: how well the tiles left free after a placement serve the next arrival.
//
// A later task needs a connected group of free tiles, so what matters is that the free space stays
// in few, compact regions. The measure, for the free set F after the placement:
//
//     Q = L(F) - 2 * C(F)
//
// L(F) = number of links with both ends in F (a compact region has many internal links for its
// size; ragged or scattered free tiles have few), C(F) = number of connected regions of F (each
// split costs two links' worth). Higher is better. The tile count of F is the same for every
// placement of one task, so Q compares placements of that task fairly. host/core/quality.ts
// computes the same measure independently for the benchmark.

import { WORDS, setAndNot, setCopy, setCountAnd, setFirst, setPopFirst, setIsEmpty } from "../bitset";
import { takeRegion } from "../regions";
import { targetAdj, targetFree } from "../graph";
import { charge } from "../meter";

const left = new StaticArray<u64>(WORDS);
const region = new StaticArray<u64>(WORDS);

/** Q of the free tiles minus `used` (a WORDS-word set at `usedOff` in `used`). */
export function freeSpaceQuality(used: StaticArray<u64>, usedOff: i32): i32 {
  setCopy(left, 0, targetFree, 0);
  setAndNot(left, 0, used, usedOff);
  // links: every free tile counts its free neighbours, each link is seen from both ends
  let ends = 0;
  let tiles = 0;
  setCopy(region, 0, left, 0);
  let t = setPopFirst(region, 0);
  while (t >= 0) {
    ends += setCountAnd(targetAdj, t * WORDS, left, 0);
    tiles++;
    t = setPopFirst(region, 0);
  }
  // regions: flood fill over the link bitsets (regions.ts)
  let regions = 0;
  for (; !setIsEmpty(left, 0); regions++) takeRegion(left, setFirst(left, 0));
  charge(<u64>tiles);
  return (ends >> 1) - 2 * regions;
}
