// The swarm's memory: every particle's quantized relaxation and velocity, the candidate mask, and
// the best placements found. All fixed buffers allocated once at start-up; a solve only writes them.
//
// Layout: one row of MAX_TILES bytes per stage, one block of MAX_STAGES rows per particle, so row
// (p, i) starts at (p * MAX_STAGES + i) * MAX_TILES and every row is 16-byte aligned for v128.

import { MAX_STAGES, MAX_TILES } from "../graph";

/** Particles the buffers can hold; `psoConfigure` picks how many a solve uses. */
export const MAX_PARTICLES: i32 = 16;
export const ROW: i32 = MAX_TILES;
export const BLOCK: i32 = MAX_STAGES * MAX_TILES;

/** Position: P[i][t] in 0..255, how likely stage i goes to tile t (a u8 fixed-point probability). */
export const position = new StaticArray<u8>(MAX_PARTICLES * BLOCK);
/** Velocity: signed step of each position entry, |v| <= VMAX. */
export const velocity = new StaticArray<i8>(MAX_PARTICLES * BLOCK);
/** 0xFF where tile t is a refined Ullmann candidate of stage i, 0 elsewhere (the relaxation's support). */
export const mask = new StaticArray<u8>(BLOCK);
/** The starting position every particle is (re)initialised from. */
export const prior = new StaticArray<u8>(BLOCK);
/** Prior weight of each tile (a candidate's prior entry in every row): see swarm.ts. */
export const tilePrior = new StaticArray<u8>(MAX_TILES);
/**
 * A fresh particle's position is still the prior: it is read from `tilePrior` and copied into
 * `position` only at its first update, so a search that succeeds in its first draws never pays
 * for building the relaxation.
 */
export const fresh = new StaticArray<bool>(MAX_PARTICLES);

/** Tile of each stage in each particle's personal best (-1: the best placed no tile there). */
export const bestMap = new StaticArray<i32>(MAX_PARTICLES * MAX_STAGES);
export const bestFitness = new StaticArray<i32>(MAX_PARTICLES);
/** Iterations since the particle's personal best last improved (restart when it stalls). */
export const stall = new StaticArray<i32>(MAX_PARTICLES);
/** The swarm's consensus: the global best placement. */
export const globalMap = new StaticArray<i32>(MAX_STAGES);
export let globalFitness: i32 = -1;
export function setGlobalFitness(f: i32): void {
  globalFitness = f;
}

/** The placement the last projection produced (-1: not placed). */
export const drawn = new StaticArray<i32>(MAX_STAGES);

// @ts-ignore: decorator
@inline export function rowOffset(p: i32, i: i32): i32 {
  return p * BLOCK + i * ROW;
}
