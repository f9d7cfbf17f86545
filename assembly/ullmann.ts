// Ullmann's subgraph-isomorphism algorithm, exact (J. R. Ullmann, "An algorithm for subgraph
// isomorphism", JACM 1976), for the non-induced case: every pattern edge must land on a link.
//
// M[i] (a 256-bit row) holds the tiles stage i may still take. It starts from the free tiles whose
// kind fits and whose free-link degree covers the stage's degree, then Ullmann's refinement removes
// tile j from M[i] whenever some pattern neighbour x of i has no candidate among j's links
// (M[x] & adj[j] == 0), until nothing changes. Only rows next to a changed row are re-examined.
//
// The backtracking visits stages in a connectivity-first order (each next stage, when it can, is a
// neighbour of one already placed, so after refinement its row holds only free tiles linked to that
// neighbour's tile). Fixing stage s on tile j pins row s to {j}, removes j from every other row
// (injectivity) and refines again; an empty row prunes. One matrix per depth is kept in a fixed
// stack, so a solve allocates nothing.

import {
  WORDS, bitSet, bitClear, bitTest, setClear, setCopy, setCount, setIsEmpty, setPopFirst,
  setIntersects, lowMask,
} from "./bitset";
import {
  MAX_STAGES, ANY_KIND, targetTiles, targetAdj, targetFree, targetFreeDegree, patternStages, patternNbr,
  patternKind, kindFits,
} from "./graph";
import { charge, workSpent, workUsed } from "./meter";
import { FOUND, NONE, BUDGET_SPENT } from "./status";
import {
  proofOn, FILTER_ALLDIFF, PROOF_RIGID,
} from "./proofs/switches";
import { rigidBlocksFit } from "./proofs/rigid-blocks";
import { countDegrees, degreeAtLeast, patternMaxQ } from "./proofs/degrees";
import { freeRegionsFit, allowedA, allowedB, classA } from "./proofs/free-regions";
import { filterAllDifferent, failed } from "./proofs/all-different";

/** Words in one candidate matrix (one row of WORDS per stage). */
export const MATRIX: i32 = MAX_STAGES * WORDS;
/** Matrix 0 is the refined initial one (the particles' relaxation reads it); 1..n the search stack. */
export const candidates = new StaticArray<u64>((MAX_STAGES + 1) * MATRIX);
/** Remaining candidates per search depth. */
const remaining = new StaticArray<u64>(MAX_STAGES * WORDS);
/** Stage visited at each depth. */
export const searchOrder = new StaticArray<i32>(MAX_STAGES);
/** Tile of each stage in the last placement found. */
export const mapping = new StaticArray<i32>(MAX_STAGES);

/**
 * Refines the matrix at word offset m to Ullmann's fixpoint, starting from the rows in `dirty`.
 * False when a row empties (no placement below this point), or, with `stopOnBudget`, when the
 * work budget runs out.
 */
export function refine(m: i32, dirty: u64, stopOnBudget: bool = true): bool {
  while (dirty != 0) {
    const i = <i32>ctz(dirty);
    dirty &= dirty - 1;
    const nbr = unchecked(patternNbr[i]);
    if (nbr == 0) continue;
    const row = m + i * WORDS;
    let changed = false;
    for (let w = 0; w < WORDS; w++) {
      const before = unchecked(candidates[row + w]);
      let bits = before;
      let keep = before;
      while (bits != 0) {
        const b = ctz(bits);
        bits &= bits - 1;
        const adj = ((w << 6) + <i32>b) * WORDS;
        let xs = nbr;
        while (xs != 0) {
          const x = <i32>ctz(xs);
          xs &= xs - 1;
          if (!setIntersects(candidates, m + x * WORDS, targetAdj, adj)) {
            keep &= ~(<u64>1 << b);
            break;
          }
        }
      }
      if (!charge(<u64>popcnt(before)) && stopOnBudget) return false;
      if (keep != before) {
        unchecked((candidates[row + w] = keep));
        changed = true;
      }
    }
    if (changed) {
      if (setIsEmpty(candidates, row)) return false;
      dirty |= nbr;
    }
  }
  return true;
}

/**
 * Builds matrix 0: the tiles each stage may take after the proofs before search (proofs/: free
 * regions, colours and degree sequences decide where each stage may go at all; on a plain mesh the
 * rigid blocks of squares fitted in every orientation), of the right kind, with enough free links;
 * then refined to Ullmann's fixpoint together with the all-different filter.
 * False when some stage has no candidate: a proof that no placement exists (or the budget ran out).
 */
export function buildCandidates(): bool {
  const n = patternStages;
  if (setCount(targetFree, 0) < n) return false;
  countDegrees();
  if (!freeRegionsFit()) return false;
  for (let i = 0; i < n; i++) {
    const row = i * WORDS;
    const q = min(<i32>popcnt(unchecked(patternNbr[i])), patternMaxQ);
    const allowed = ((classA >>> <u64>i) & 1) != 0 ? allowedA : allowedB;
    for (let w = 0; w < WORDS; w++) {
      unchecked((candidates[row + w] = allowed[w] & degreeAtLeast[q * WORDS + w]));
    }
    // a stage that needs a tile kind: a per-tile look
    if (unchecked(patternKind[i]) != ANY_KIND) {
      for (let t = 0; t < targetTiles; t++) if (!kindFits(i, t)) bitClear(candidates, row, t);
    }
    if (!charge(<u64>WORDS)) return false;
    if (setIsEmpty(candidates, row)) return false;
  }
  if (proofOn(PROOF_RIGID) && !rigidBlocksFit(candidates, 0)) return false;
  return refine(0, lowMask(n)) && strengthen(0, true);
}

/**
 * All-different (proofs/all-different.ts) on matrix m, each pass followed by Ullmann's refinement
 * of the rows next to what it removed, until it removes nothing. False when a row empties or the
 * stages cannot take distinct tiles (or, with stopOnBudget, the budget ran out).
 */
function strengthen(m: i32, stopOnBudget: bool): bool {
  if (!proofOn(FILTER_ALLDIFF)) return true;
  while (true) {
    const touched = filterAllDifferent(candidates, m);
    if (failed) return false;
    if (touched == 0) return true;
    if (!refine(m, touched, stopOnBudget)) return false;
  }
  return unreachable();
}

/**
 * Connectivity-first order: next is the unvisited stage with the most visited neighbours (so it is
 * adjacent to a placed one whenever the pattern allows), then fewest candidates, then highest degree.
 */
export function computeOrder(): void {
  const n = patternStages;
  let visited: u64 = 0;
  for (let d = 0; d < n; d++) {
    let best = -1;
    let bestLinks = -1;
    let bestCands = 0x7fffffff;
    let bestDegree = -1;
    for (let s = 0; s < n; s++) {
      if ((visited >>> <u64>s) & 1) continue;
      const nbr = unchecked(patternNbr[s]);
      const links = <i32>popcnt(nbr & visited);
      const cands = setCount(candidates, s * WORDS);
      const degree = <i32>popcnt(nbr);
      if (
        links > bestLinks ||
        (links == bestLinks && (cands < bestCands || (cands == bestCands && degree > bestDegree)))
      ) {
        best = s;
        bestLinks = links;
        bestCands = cands;
        bestDegree = degree;
      }
    }
    unchecked((searchOrder[d] = best));
    visited |= <u64>1 << <u64>best;
  }
}

/** Exact search within the meter's budget: FOUND (mapping filled), NONE (proof) or BUDGET_SPENT. */
export function ullmannSolve(): i32 {
  if (!buildCandidates()) return workSpent ? BUDGET_SPENT : NONE;
  computeOrder();
  return ullmannSearch();
}

/** Search depth where a sliced search stands (the portfolio resumes it between particle slices). */
let depth: i32 = 0;

/**
 * The backtracking alone, on matrix 0 and the order already built (the portfolio builds them once
 * for the particles and this fallback). Matrix 0 is only read.
 */
export function ullmannSearch(): i32 {
  ullmannBegin();
  return ullmannResume();
}

export function ullmannBegin(): void {
  setCopy(remaining, 0, candidates, unchecked(searchOrder[0]) * WORDS);
  depth = 0;
  searchStart = workUsed;
}

/**
 * Work since the exact search began (auto's particle slices count too) before the all-different
 * filter joins its refinement, at every node from then on. An easy search (most of a controller's:
 * lane grids on a board with room) ends well within it, and there the filters cost more than they
 * prune (immsched's mean decision p50 over bench --seeds 1-5, measured with the 2-path filter that
 * has since gone: 24.7 µs without them, 31.3 µs at the root, 46.3 µs at every node; 24.8 µs escalated);
 * a hard search, a proof of "none" above all, goes on far past it, and there they pay. It is the
 * length of auto's first exact-search slice (portfolio.ts: 512 x 32), not fitted to any instance.
 */
const ESCALATE: u64 = 16384;
let searchStart: u64 = 0;

/**
 * Continues the search from where the last slice stopped. The budget is checked between
 * assignments (each one and its refinement run to the end), so every slice makes progress however
 * small it is, a resumed search misses nothing, and a NONE after any number of slices is still a
 * proof. A slice may overrun its budget by one assignment's refinement.
 */
export function ullmannResume(): i32 {
  const n = patternStages;
  let d = depth;
  while (true) {
    if (workSpent) {
      depth = d;
      return BUDGET_SPENT;
    }
    const tile = setPopFirst(remaining, d * WORDS);
    if (tile < 0) {
      if (d == 0) return NONE;
      d--;
      continue;
    }
    charge(1);
    const s = unchecked(searchOrder[d]);
    const src = d * MATRIX;
    const dst = src + MATRIX;
    let dirty = unchecked(patternNbr[s]);
    let dead = false;
    for (let i = 0; i < n; i++) {
      const row = dst + i * WORDS;
      if (i == s) {
        setClear(candidates, row);
        bitSet(candidates, row, tile);
        continue;
      }
      setCopy(candidates, row, candidates, src + i * WORDS);
      if (bitTest(candidates, row, tile)) {
        const k = row + (tile >>> 6);
        unchecked((candidates[k] = candidates[k] & ~(<u64>1 << <u64>(tile & 63))));
        if (setIsEmpty(candidates, row)) dead = true;
        dirty |= unchecked(patternNbr[i]);
      }
    }
    // the first placement pins the rigid blocks' orientation to a few: fit them again (rigid-blocks.ts)
    if (d == 0 && proofOn(PROOF_RIGID)) {
      if (dead || !rigidBlocksFit(candidates, dst)) continue;
      dirty = lowMask(n);
    }
    if (dead || !refine(dst, dirty, false)) continue;
    if (workUsed - searchStart >= ESCALATE && !strengthen(dst, false)) continue;
    unchecked((mapping[s] = tile));
    d++;
    if (d == n) {
      depth = d;
      return FOUND;
    }
    setCopy(remaining, d * WORDS, candidates, dst + unchecked(searchOrder[d]) * WORDS);
  }
  return unreachable();
}
