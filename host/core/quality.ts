// Placement quality, computed in TypeScript independently of the core (assembly/particles/
// quality.ts defines the same measure): for the free tiles F left after a placement,
//
//     Q = L(F) - 2 * C(F)
//
// L = links with both ends free, C = connected free regions. Higher is better: the free space
// stays in few, compact regions, so the next arrival finds a connected group of tiles.

import { type Target, targetLinks, tileCount } from "../formats/graphs.js";

export function freeSpaceQuality(target: Target, mapping: readonly number[]): number {
  const tiles = tileCount(target);
  const free = new Array<boolean>(tiles).fill(true);
  for (const t of target.occupied ?? []) free[t] = false;
  for (const t of mapping) free[t] = false;
  const nbrs: number[][] = Array.from({ length: tiles }, () => []);
  let links = 0;
  const seen = new Set<string>();
  for (const [a, b] of targetLinks(target)) {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    nbrs[a]!.push(b);
    nbrs[b]!.push(a);
    if (free[a] && free[b]) links++;
  }
  let regions = 0;
  const visited = new Array<boolean>(tiles).fill(false);
  for (let t = 0; t < tiles; t++) {
    if (!free[t] || visited[t]) continue;
    regions++;
    const stack = [t];
    visited[t] = true;
    while (stack.length) {
      const u = stack.pop()!;
      for (const v of nbrs[u]!) {
        if (free[v] && !visited[v]) {
          visited[v] = true;
          stack.push(v);
        }
      }
    }
  }
  return links - 2 * regions;
}
