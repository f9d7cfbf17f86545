// Projection: turns a particle's relaxation into a concrete placement (IMMSched's "sampling" step).
//
// Stages are visited in the exact solver's connectivity-first order. For stage s the allowed tiles
// are its refined candidates that are still unused and linked to the tile of every placed
// neighbour of s, so every pattern edge between placed stages lands on a link by construction.
// A one-step look-ahead (forward checking) then drops tiles that would strand a neighbour of s not
// yet placed: the tile must keep, for each such neighbour, an unused candidate among its links, and
// as many unused free links as s has such neighbours. Among what is left, a tile is drawn with
// weight x[s][t] + FLOOR, so the particle's probabilities steer the draw and every allowed tile
// keeps some chance (exploration). If no tile is allowed, the projection stops there: the particle
// placed `depth` stages, which is its fitness.

import { WORDS, setClear } from "../bitset";
import { patternStages, patternNbr, targetAdj, targetFree } from "../graph";
import { candidates, searchOrder } from "../ullmann";
import { charge } from "../meter";
import { rngBelow } from "../rng";
import { position, drawn, rowOffset, fresh, tilePrior } from "./state";
import { freeSpaceQuality } from "./quality";

/** Weight every allowed tile gets on top of its probability (out of 255). */
export const FLOOR: i32 = 24;
/** Fitness of a valid placement: above every partial one (depth <= 64), plus its quality. */
export const VALID: i32 = 1 << 20;
/** Keeps VALID + quality positive (quality >= -2 * MAX_TILES). */
const QUALITY_OFFSET: i32 = 1024;

export const used = new StaticArray<u64>(WORDS);
const allowed = new StaticArray<u64>(WORDS);
const pickTile = new StaticArray<i32>(256);
const pickWeight = new StaticArray<u32>(256);

/** Fitness of a valid placement's quality term, or of a partial one's depth. */
export function isValid(fitness: i32): bool {
  return fitness >= VALID;
}

/**
 * Samples a placement from particle p into `drawn`. Returns its fitness: the number of stages
 * placed, or VALID + quality when every stage is (quality only when `withQuality`).
 */
export function project(p: i32, withQuality: bool): i32 {
  const n = patternStages;
  setClear(used, 0);
  for (let i = 0; i < n; i++) unchecked((drawn[i] = -1));
  let placed: u64 = 0;
  for (let d = 0; d < n; d++) {
    const s = unchecked(searchOrder[d]);
    const row = s * WORDS;
    for (let w = 0; w < WORDS; w++) {
      unchecked((allowed[w] = candidates[row + w] & ~used[w]));
    }
    const nbr = unchecked(patternNbr[s]);
    let xs = nbr & placed;
    while (xs != 0) {
      const x = <i32>ctz(xs);
      xs &= xs - 1;
      const a = unchecked(drawn[x]) * WORDS;
      for (let w = 0; w < WORDS; w++) unchecked((allowed[w] = allowed[w] & targetAdj[a + w]));
    }
    const ahead = nbr & ~placed;
    const need = <i32>popcnt(ahead);
    const xrow = changetype<usize>(position) + <usize>rowOffset(p, s);
    const isFresh = unchecked(fresh[p]);
    let count = 0;
    let total: u32 = 0;
    for (let w = 0; w < WORDS; w++) {
      let bits = unchecked(allowed[w]);
      while (bits != 0) {
        const t = (w << 6) + <i32>ctz(bits);
        bits &= bits - 1;
        if (need > 0 && !keepsNeighbours(t, ahead, need, placed)) continue;
        total += <u32>(isFresh ? unchecked(tilePrior[t]) : load<u8>(xrow + <usize>t)) + <u32>FLOOR;
        unchecked((pickTile[count] = t));
        unchecked((pickWeight[count] = total));
        count++;
      }
    }
    charge(<u64>(1 + count)); // the swarm checks the budget between particles
    if (count == 0) return d;
    // draw by cumulative weight
    const r = rngBelow(total);
    let k = 0;
    while (unchecked(pickWeight[k]) <= r) k++;
    const t = unchecked(pickTile[k]);
    unchecked((drawn[s] = t));
    unchecked((used[t >>> 6] = used[t >>> 6] | (<u64>1 << <u64>(t & 63))));
    placed |= <u64>1 << <u64>s;
  }
  if (!withQuality) return VALID;
  return VALID + QUALITY_OFFSET + freeSpaceQuality(used, 0);
}

/**
 * Forward check of tile t for a stage whose unplaced neighbours are `ahead` (need of them): enough
 * unused free links for them all, and each of them keeps a candidate that is linked to t and to
 * the tile of every neighbour of its own already placed (so a cycle the pattern closes later, as in
 * a ladder or a branch-and-merge block, still has a tile to close on).
 */
function keepsNeighbours(t: i32, ahead: u64, need: i32, placed: u64): bool {
  const a = t * WORDS;
  let room = 0;
  for (let w = 0; w < WORDS; w++) {
    room += <i32>popcnt(unchecked(targetAdj[a + w]) & unchecked(targetFree[w]) & ~unchecked(used[w]));
  }
  if (room < need) return false;
  let ys = ahead;
  while (ys != 0) {
    const y = <i32>ctz(ys);
    ys &= ys - 1;
    const c = y * WORDS;
    let hit: u64 = 0;
    for (let w = 0; w < WORDS; w++) {
      let v = unchecked(targetAdj[a + w]) & unchecked(candidates[c + w]) & ~unchecked(used[w]);
      let xs = unchecked(patternNbr[y]) & placed;
      while (xs != 0 && v != 0) {
        const x = <i32>ctz(xs);
        xs &= xs - 1;
        v &= unchecked(targetAdj[unchecked(drawn[x]) * WORDS + w]);
      }
      hit |= v;
    }
    if (hit == 0) return false;
  }
  return true;
}
