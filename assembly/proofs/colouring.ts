// Two-colourings for the bipartite proof. A mesh (and a torus with even sides) is bipartite: a
// monomorphism maps a cycle to a closed walk of the same length, so a pattern with an odd cycle
// never fits, and a connected pattern's two colour classes land on the two colours of one region
// (a free subgraph of a bipartite target keeps its colouring). The mesh's colouring is the
// checkerboard (x + y even); a target given as a link list is not coloured (no proof: code size),
// and neither is a mesh with links added after it.

import { WORDS, bitSet, setClear } from "../bitset";
import { targetTiles, targetLinksVersion, meshWidth, meshOddTorus, meshLinksVersion, patternStages, patternNbr } from "../graph";
import { charge } from "../meter";
import { lowMask } from "../bitset";

/** Tiles of colour 0 (the rest are colour 1) when `targetBipartite`. */
export const targetColour0 = new StaticArray<u64>(WORDS);
export let targetBipartite: bool = false;
let colouredVersion: i32 = -1;

/** Brings the target's colouring up to date with its links (once per link set). */
export function colourTarget(): void {
  if (colouredVersion == targetLinksVersion) return;
  colouredVersion = targetLinksVersion;
  targetBipartite = meshLinksVersion == targetLinksVersion && !meshOddTorus;
  setClear(targetColour0, 0);
  if (!targetBipartite) return;
  // not charged: it belongs to loading the target (once per link set), like the links themselves,
  // so a solve's work does not depend on whether an earlier solve saw the same target
  for (let t = 0; t < targetTiles; t++) if ((((t % meshWidth) + t / meshWidth) & 1) == 0) bitSet(targetColour0, 0, t);
}

/** Stages of colour class A (BFS layers of even depth from each component's first stage). */
export let patternClassA: u64 = 0;
export let patternIsBipartite: bool = true;
export let patternIsConnected: bool = true;

/**
 * Two-colours the loaded pattern by BFS over its neighbour words (even layers are class A); also
 * finds whether it is connected. A BFS edge joins a layer to itself or to the next, and one
 * inside a layer closes an odd cycle, so that test alone decides bipartiteness.
 */
export function colourPattern(): void {
  const all = lowMask(patternStages);
  let seen: u64 = 0;
  let classA: u64 = 0;
  let bipartite = true;
  let components = 0;
  while (seen != all) {
    components++;
    let layer: u64 = all & ~seen & (0 - (all & ~seen)); // lowest unseen stage
    let even = true;
    while (layer != 0) {
      seen |= layer;
      if (even) classA |= layer;
      let reach: u64 = 0;
      for (let f = layer; f != 0; f &= f - 1) reach |= unchecked(patternNbr[<i32>ctz(f)]);
      if ((reach & layer) != 0) bipartite = false;
      layer = reach & ~seen;
      even = !even;
    }
  }
  patternClassA = classA;
  patternIsBipartite = bipartite;
  patternIsConnected = components == 1;
  charge(<u64>patternStages);
}
