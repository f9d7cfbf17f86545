// Which proofs and filters run before a search (issue 11), one bit each, all on by default. The
// host turns them off one at a time to measure what each buys (npm run bench:solve -- --ablate);
// every one is sound, so any subset gives the same answers and only the work changes.

/** A connected pattern lies in one free region: regions too small for it (in tiles or in
 * tiles of each degree) are not candidates; none left is a proof. */
export const PROOF_REGIONS: i32 = 1;
/** The target is bipartite (a mesh): a pattern with an odd cycle never fits, and each colour class
 * of the pattern goes to one colour of a region with room for it. */
export const PROOF_BIPARTITE: i32 = 2;
/** All-different with Hall sets on the candidate matrix (bit-parallel, by increasing domain size),
 * at the root and at every node of the exact search. */
export const FILTER_ALLDIFF: i32 = 8;
/** On a plain mesh, squares joined edge to edge are rigid: each such block of the pattern is
 * fitted in its 8 orientations at every anchor at once (rigid-blocks.ts), at the root. (Bit 4 was
 * the 2-path supplemental graph, dropped when this one made it buy nothing: README "Solvers".) */
export const PROOF_RIGID: i32 = 4;
export const PROOFS_ALL: i32 = 15;

export let proofsOn: i32 = PROOFS_ALL;

export function proofsConfigure(mask: i32): bool {
  if (mask < 0 || mask > PROOFS_ALL) return false;
  proofsOn = mask;
  return true;
}

// @ts-ignore: decorator
@inline export function proofOn(bit: i32): bool {
  return (proofsOn & bit) != 0;
}
