// Supplemental graphs of paths of length 2 (McCreesh & Prosser, "A parallel, backjumping subgraph
// isomorphism algorithm using supplemental graphs", CP 2015; the Glasgow Subgraph Solver): two
// stages with c common neighbours are joined by c paths of length 2 through distinct stages, and
// an injective, edge-preserving map carries them to c such paths between their tiles. So stage i on
// tile j needs, for every stage x with >= c common neighbours with i, a candidate of x among the
// tiles with >= c common free neighbours with j. Only c = 2 is used: on a mesh it is a 4-cycle (a
// ladder's square, a fork-join of one-stage branches: the two tiles must be diagonal with both
// corners free); c = 1 adds little beyond Ullmann's refinement, and c = 3 (never on a mesh: two
// tiles share at most two neighbours, so a fork into three one-stage branches never fits) is not
// built, for code size: the search refutes such a fork a few nodes deep (three branch stages, two
// corner tiles: all-different), where c = 3 would refute it at the root.
// The filter is Ullmann's refinement over this relation (ullmann.ts refineBy); target rows are
// built only for the tiles that are candidates of a stage with such a partner, once per solve,
// with bit-sliced counters (one, two) over the free neighbours' links.

import { WORDS, bitClear, setClear, setPopFirst } from "../bitset";
import { MAX_TILES, MAX_STAGES, targetAdj, targetFree, patternStages, patternNbr } from "../graph";
import { charge } from "../meter";

/** Stages with >= 2 common neighbours with stage i. */
export const pat2 = new StaticArray<u64>(MAX_STAGES);
/** Tiles with >= 2 common free neighbours with tile j, valid when stamp[j] == solveStamp. */
export const tile2 = new StaticArray<u64>(MAX_TILES * WORDS);
const stamp = new StaticArray<i32>(MAX_TILES);
let solveStamp: i32 = 0;

/** Builds the pattern's relation; returns the stages that have a partner (0: nothing to filter). */
export function buildPatternPaths2(): u64 {
  const n = patternStages;
  solveStamp++;
  let rows: u64 = 0;
  for (let u = 0; u < n; u++) {
    let r2: u64 = 0;
    const nu = unchecked(patternNbr[u]);
    for (let v = 0; v < n; v++) r2 |= <u64>(u != v && popcnt(nu & unchecked(patternNbr[v])) >= 2) << <u64>v;
    unchecked((pat2[u] = r2));
    if (r2 != 0) rows |= <u64>1 << <u64>u;
  }
  charge(<u64>(n * n) >> 4);
  return rows;
}

const one = new StaticArray<u64>(WORDS);
const todo = new StaticArray<u64>(WORDS);

/** Row j of tile2: bit-sliced counters (one, two) over j's free neighbours' free links. */
function buildTile(j: i32): void {
  const r = j * WORDS;
  setClear(one, 0);
  setClear(tile2, r);
  for (let w = 0; w < WORDS; w++) unchecked((todo[w] = targetAdj[r + w] & targetFree[w]));
  for (let a = setPopFirst(todo, 0); a >= 0; a = setPopFirst(todo, 0)) {
    for (let w = 0; w < WORDS; w++) {
      const x = unchecked(targetAdj[a * WORDS + w]) & unchecked(targetFree[w]);
      unchecked((tile2[r + w] = tile2[r + w] | (one[w] & x)));
      unchecked((one[w] = one[w] | x));
    }
  }
  // j is every neighbour's neighbour: not a partner of itself
  bitClear(tile2, r, j);
  unchecked((stamp[j] = solveStamp));
  charge(4);
}

/** Builds the tile rows of every candidate of the stages in `rows` (matrix m of `cands`) not built yet. */
export function buildTiles(cands: StaticArray<u64>, m: i32, rows: u64): void {
  for (let w = 0; w < WORDS; w++) {
    let union: u64 = 0;
    for (let r = rows; r != 0; r &= r - 1) union |= unchecked(cands[m + <i32>ctz(r) * WORDS + w]);
    for (; union != 0; union &= union - 1) {
      const j = (w << 6) + <i32>ctz(union);
      if (unchecked(stamp[j]) != solveStamp) buildTile(j);
    }
  }
}
