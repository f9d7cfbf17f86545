// Where a stage may go at all, before any search (issue 11 "proofs before search").
//
// A connected pattern's image is connected, so it lies in one free region: a region with fewer
// tiles than stages is no candidate for any stage. On a bipartite target (colouring.ts) a pattern
// with an odd cycle never fits, and the pattern's colour class A goes wholly to one colour of its
// region and class B to the other: each (region, orientation) whose two colours have room for the
// two classes adds its colours to `allowedA` / `allowedB`. No orientation left anywhere is a proof
// that no placement exists, found in one flood fill of the free tiles.

import { WORDS, setAndNot, setClear, setCopy, setIsEmpty, setFirst, setCount, setOrInto } from "../bitset";
import { targetFree, patternStages } from "../graph";
import { takeRegion } from "../regions";
import { lowMask } from "../bitset";
import { targetColour0, targetBipartite, colourTarget, colourPattern, patternClassA, patternIsBipartite, patternIsConnected } from "./colouring";
import { proofOn, PROOF_REGIONS, PROOF_BIPARTITE } from "./switches";

/** Tiles the stages of class A (all stages when colours are not used) may take. */
export const allowedA = new StaticArray<u64>(WORDS);
/** Tiles the stages of class B may take. */
export const allowedB = new StaticArray<u64>(WORDS);
/** Stages of class A: every stage unless the bipartite proof split the pattern in two. */
export let classA: u64 = 0;

/** Stages of class A and of class B. */
let countA: i32 = 0;
let countB: i32 = 0;
const left = new StaticArray<u64>(WORDS);
const before = new StaticArray<u64>(WORDS);
const region = new StaticArray<u64>(WORDS);
const colour0 = new StaticArray<u64>(WORDS);
const colour1 = new StaticArray<u64>(WORDS);

/** Colour 0 of the target when colours are used, else every tile (one colour: class B is empty). */
const split = new StaticArray<u64>(WORDS);

/**
 * Adds what `set` (one region, or every free tile when regions are not told apart) offers: class
 * A on colour 0 and class B on colour 1, and the other way round, when both colours have room.
 */
function admit(set: StaticArray<u64>): void {
  for (let w = 0; w < WORDS; w++) {
    unchecked((colour0[w] = set[w] & split[w]));
    unchecked((colour1[w] = set[w] & ~split[w]));
  }
  orient(colour0, colour1);
  orient(colour1, colour0);
}

/** Class A on tiles `a` and class B on tiles `b`, when both have room. */
function orient(a: StaticArray<u64>, b: StaticArray<u64>): void {
  if (setCount(a, 0) >= countA && setCount(b, 0) >= countB) {
    setOrInto(allowedA, 0, a, 0);
    setOrInto(allowedB, 0, b, 0);
  }
}

/**
 * Fills allowedA / allowedB and classA. False when some class has no tile left: there is provably
 * no placement (an odd cycle on a bipartite target, or no region with room for the pattern).
 */
export function freeRegionsFit(): bool {
  const n = patternStages;
  colourPattern();
  let colours = false;
  if (proofOn(PROOF_BIPARTITE)) {
    colourTarget();
    if (targetBipartite && !patternIsBipartite) return false;
    // a disconnected pattern's parts may each take either orientation
    colours = targetBipartite && patternIsConnected;
  }
  classA = colours ? patternClassA : lowMask(n);
  countA = <i32>popcnt(classA);
  countB = n - countA;
  for (let w = 0; w < WORDS; w++) unchecked((split[w] = colours ? targetColour0[w] : u64.MAX_VALUE));
  setClear(allowedA, 0);
  setClear(allowedB, 0);
  if (proofOn(PROOF_REGIONS) && patternIsConnected) {
    setCopy(left, 0, targetFree, 0);
    while (!setIsEmpty(left, 0)) {
      setCopy(before, 0, left, 0);
      if (takeRegion(left, setFirst(left, 0)) < n) continue;
      setCopy(region, 0, before, 0);
      setAndNot(region, 0, left, 0);
      admit(region);
    }
  } else {
    admit(targetFree);
  }
  // (the flood fill visits each free tile once: charged with countDegrees' visit, degrees.ts)
  // class B is empty (countB == 0) unless colours split the pattern
  return !setIsEmpty(allowedA, 0) && (countB == 0 || !setIsEmpty(allowedB, 0));
}
