// A brute-force reference for small instances: depth-first over stages in index order, every
// free tile tried for every stage, checking only edges to already-placed stages. Slow, simple and
// independent of Ullmann's refinement and ordering.

import { type Pattern, type Target, targetLinks, tileCount } from "../../host/formats/graphs.js";

export function bruteForceExists(pattern: Pattern, target: Target): boolean {
  const tiles = tileCount(target);
  const occupied = new Set(target.occupied ?? []);
  const linked = new Set(
    targetLinks(target)
      .map(([a, b]) => a * 1024 + b)
      .concat(targetLinks(target).map(([a, b]) => b * 1024 + a)),
  );
  const earlier: number[][] = Array.from({ length: pattern.nodes }, () => []);
  for (const [u, v] of pattern.edges) {
    earlier[Math.max(u, v)]!.push(Math.min(u, v));
  }
  const map = new Array<number>(pattern.nodes).fill(-1);
  const used = new Set<number>();
  const go = (s: number): boolean => {
    if (s === pattern.nodes) return true;
    for (let t = 0; t < tiles; t++) {
      if (occupied.has(t) || used.has(t)) continue;
      const need = pattern.labels?.[s];
      if (need !== undefined && (target.labels?.[t] ?? 0) !== need) continue;
      if (!earlier[s]!.every((p) => linked.has(map[p]! * 1024 + t))) continue;
      map[s] = t;
      used.add(t);
      if (go(s + 1)) return true;
      used.delete(t);
    }
    return false;
  };
  return go(0);
}
