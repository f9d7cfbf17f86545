// What the host and the search workers share (parallel-search.ts): the layout of the control
// block in shared memory, the command kinds and each group's seed. One place, so the two sides
// cannot disagree.

/** Most groups one search runs. */
export const MAX_GROUPS = 16;
/** Int32 words per group's answer: found, complete, work, then the tile of each of <= 64 stages. */
export const GROUP_WORDS = 3 + 64;

/** Words of the control block (Int32Array over a SharedArrayBuffer). */
export const CTL = {
  /** Bumped by the host for each command; the workers wait on it. */
  SEQ: 0,
  KIND: 1,
  /** Workers that have done the current command. */
  DONE: 2,
  /** 1 + the worker that failed (its message is in the instance buffer), or 0. */
  FAILED: 3,
  ERROR_BYTES: 4,
  INSTANCE_BYTES: 5,
  ROUND: 6,
  ROUND_BUDGET: 7,
  SEED: 8,
  /** First word of group 0's answer. */
  RESULTS: 16,
} as const;

export const CMD = { LOAD: 1, ROUND: 2 } as const;

export function resultOffset(group: number): number {
  return CTL.RESULTS + group * GROUP_WORDS;
}

/** The seed of `group`'s swarm: a 32-bit mix (MurmurHash3's finaliser) of the search's seed and the group. */
export function groupSeed(seed: number, group: number): number {
  let h = (seed ^ Math.imul(group + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
