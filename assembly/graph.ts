// Fixed-capacity graphs of the core (docs/ARCHITECTURE.md "Layout").
//
// Target: the accelerator, <= MAX_TILES tiles joined by bidirectional NoC links. Each tile's links
// are a 256-bit set (one row of `targetAdj`), the free tiles a 256-bit set. Optional labels are tile
// kinds (default kind 0).
// Pattern: one task cut into <= MAX_STAGES pipeline stages with directed producer->consumer edges.
// Because 64 stages fit a u64, a stage's successors, predecessors and neighbours are single words.
// Optional labels are the tile kind a stage needs (ANY_KIND: no requirement).
// Everything is allocated once when the module starts; loading and solving never allocate.

import { WORDS, bitSet, bitClear, bitTest, setClear } from "./bitset";
import {
  OK, E_TILE_COUNT, E_STAGE_COUNT, E_NODE_RANGE, E_SELF_LOOP, E_MESH,
} from "./status";

export const MAX_TILES: i32 = 256;
export const MAX_STAGES: i32 = 64;
export const ANY_KIND: i32 = -1;

// ---- target ----------------------------------------------------------------------------------
export const targetAdj = new StaticArray<u64>(MAX_TILES * WORDS);
export const targetFree = new StaticArray<u64>(WORDS);
export const targetKind = new StaticArray<i32>(MAX_TILES);
/** Free neighbours of each free tile, refreshed before a solve (proofs/degrees.ts countDegrees). */
export const targetFreeDegree = new StaticArray<i32>(MAX_TILES);
export let targetTiles: i32 = 0;
export let targetLinkCount: i32 = 0;
/** Bumped whenever the links change: what is derived from the links alone (proofs/colouring.ts) is rebuilt. */
export let targetLinksVersion: i32 = 0;

export function targetReset(tiles: i32): i32 {
  if (tiles < 1 || tiles > MAX_TILES) return E_TILE_COUNT;
  for (let i = 0; i < MAX_TILES * WORDS; i++) unchecked((targetAdj[i] = 0));
  setClear(targetFree, 0);
  for (let t = 0; t < tiles; t++) bitSet(targetFree, 0, t);
  for (let t = 0; t < MAX_TILES; t++) unchecked((targetKind[t] = 0));
  targetTiles = tiles;
  targetLinkCount = 0;
  targetLinksVersion++;
  return OK;
}

export function targetLink(a: i32, b: i32): i32 {
  if (<u32>a >= <u32>targetTiles || <u32>b >= <u32>targetTiles) return E_NODE_RANGE;
  if (a == b) return E_SELF_LOOP;
  if (!bitTest(targetAdj, a * WORDS, b)) {
    targetLinkCount++;
    targetLinksVersion++;
  }
  bitSet(targetAdj, a * WORDS, b);
  bitSet(targetAdj, b * WORDS, a);
  return OK;
}

/** The last mesh loaded, and the link version it left (later links make the target no plain mesh). */
export let meshWidth: i32 = 0;
/** True for a torus with an odd side: its wrap-around links close odd cycles. */
export let meshOddTorus: bool = false;
export let meshLinksVersion: i32 = -1;

/** A width x height mesh of 4-neighbour links; with torus the borders wrap around. */
export function targetMesh(width: i32, height: i32, torus: bool): i32 {
  if (width < 1 || height < 1 || width * height > MAX_TILES) return E_MESH;
  targetReset(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = y * width + x;
      if (x + 1 < width) targetLink(t, t + 1);
      else if (torus && width > 1) targetLink(t, y * width); // self-loop-free wrap (width 1 has none)
      if (y + 1 < height) targetLink(t, t + width);
      else if (torus && height > 1) targetLink(t, x);
    }
  }
  meshWidth = width;
  meshOddTorus = torus && !((width == 1 || (width & 1) == 0) && (height == 1 || (height & 1) == 0));
  meshLinksVersion = targetLinksVersion;
  return OK;
}

export function targetSetOccupied(tile: i32, occupied: bool): i32 {
  if (<u32>tile >= <u32>targetTiles) return E_NODE_RANGE;
  if (occupied) bitClear(targetFree, 0, tile);
  else bitSet(targetFree, 0, tile);
  return OK;
}

export function targetSetKind(tile: i32, kind: i32): i32 {
  if (<u32>tile >= <u32>targetTiles) return E_NODE_RANGE;
  unchecked((targetKind[tile] = kind));
  return OK;
}

// ---- pattern ---------------------------------------------------------------------------------
export const patternSucc = new StaticArray<u64>(MAX_STAGES);
export const patternPred = new StaticArray<u64>(MAX_STAGES);
/** Undirected neighbours: a bidirectional link carries an edge either way. */
export const patternNbr = new StaticArray<u64>(MAX_STAGES);
export const patternKind = new StaticArray<i32>(MAX_STAGES);
export let patternStages: i32 = 0;
export let patternEdgeCount: i32 = 0;

export function patternReset(stages: i32): i32 {
  if (stages < 1 || stages > MAX_STAGES) return E_STAGE_COUNT;
  for (let i = 0; i < MAX_STAGES; i++) {
    unchecked((patternSucc[i] = 0));
    unchecked((patternPred[i] = 0));
    unchecked((patternNbr[i] = 0));
    unchecked((patternKind[i] = ANY_KIND));
  }
  patternStages = stages;
  patternEdgeCount = 0;
  return OK;
}

export function patternEdge(u: i32, v: i32): i32 {
  if (<u32>u >= <u32>patternStages || <u32>v >= <u32>patternStages) return E_NODE_RANGE;
  if (u == v) return E_SELF_LOOP;
  const bu = <u64>1 << <u64>u;
  const bv = <u64>1 << <u64>v;
  if ((unchecked(patternSucc[u]) & bv) == 0) patternEdgeCount++;
  unchecked((patternSucc[u] = patternSucc[u] | bv));
  unchecked((patternPred[v] = patternPred[v] | bu));
  unchecked((patternNbr[u] = patternNbr[u] | bv));
  unchecked((patternNbr[v] = patternNbr[v] | bu));
  return OK;
}

export function patternSetKind(stage: i32, kind: i32): i32 {
  if (<u32>stage >= <u32>patternStages) return E_NODE_RANGE;
  unchecked((patternKind[stage] = kind));
  return OK;
}

/** Can stage i go to tile t by kind alone? */
// @ts-ignore: decorator
@inline export function kindFits(i: i32, t: i32): bool {
  const k = unchecked(patternKind[i]);
  return k == ANY_KIND || k == unchecked(targetKind[t]);
}
