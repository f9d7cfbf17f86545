// All-different with Hall sets, bit-parallel (the counting filter of McCreesh & Prosser, CP 2015,
// after Régin's all-different): stages take distinct tiles, so any k stages need k distinct
// candidates between them. Rows are visited by increasing size, accumulating their union; a union
// smaller than the rows it covers is a proof that no placement exists, and a union exactly as large
// is a Hall set: those tiles are spoken for, and are removed from every later row. Not complete
// (it sees only the unions of rows taken in this order), but O(n) set operations.

import { WORDS, setAndNot, setCount, setClear, setIsEmpty, setOrInto } from "../bitset";
import { MAX_STAGES, patternStages, patternNbr } from "../graph";
import { charge } from "../meter";

const order = new StaticArray<i32>(MAX_STAGES);
const size = new StaticArray<i32>(MAX_STAGES);
const union = new StaticArray<u64>(WORDS);
const hall = new StaticArray<u64>(WORDS);

/** Set when the last filter found that the rows cannot take distinct tiles. */
export let failed: bool = false;

/**
 * Hall-set removals on matrix `m` (word offset in `cands`); returns the neighbours of the rows it
 * changed (to refine again).
 */
export function filterAllDifferent(cands: StaticArray<u64>, m: i32): u64 {
  const n = patternStages;
  failed = false;
  // insertion sort of the stages by row size (n <= 64)
  for (let i = 0; i < n; i++) {
    const c = setCount(cands, m + i * WORDS);
    let k = i;
    while (k > 0 && unchecked(size[k - 1]) > c) {
      unchecked((size[k] = size[k - 1]));
      unchecked((order[k] = order[k - 1]));
      k--;
    }
    unchecked((size[k] = c));
    unchecked((order[k] = i));
  }
  setClear(union, 0);
  setClear(hall, 0);
  let covered = 0;
  let touched: u64 = 0;
  charge(<u64>(2 * n));
  for (let k = 0; k < n; k++) {
    const i = unchecked(order[k]);
    const row = m + i * WORDS;
    if (setAndNot(cands, row, hall, 0)) {
      if (setIsEmpty(cands, row)) failed = true;
      touched |= unchecked(patternNbr[i]);
    }
    setOrInto(union, 0, cands, row);
    covered++;
    const have = setCount(union, 0);
    if (have < covered) failed = true;
    if (failed) return touched;
    if (have == covered) {
      setOrInto(hall, 0, union, 0);
      setClear(union, 0);
      covered = 0;
    }
  }
  return touched;
}
