// Independent check of a placement, in TypeScript, sharing no code with the core: injective,
// every stage on an existing free tile of the right kind, every pattern edge on a link.

import { type Pattern, type Target, targetLinks, tileCount } from "../formats/graphs.js";

/** Null when the mapping is a valid placement, otherwise what is wrong with it. */
export function placementError(pattern: Pattern, target: Target, mapping: readonly number[]): string | null {
  if (mapping.length !== pattern.nodes) return `mapping has ${mapping.length} entries for ${pattern.nodes} stages`;
  const tiles = tileCount(target);
  const occupied = new Set(target.occupied ?? []);
  const used = new Map<number, number>();
  for (let s = 0; s < mapping.length; s++) {
    const t = mapping[s]!;
    if (!Number.isInteger(t) || t < 0 || t >= tiles) return `stage ${s} on tile ${t}, which does not exist`;
    if (occupied.has(t)) return `stage ${s} on occupied tile ${t}`;
    const other = used.get(t);
    if (other !== undefined) return `stages ${other} and ${s} share tile ${t}`;
    used.set(t, s);
    const need = pattern.labels?.[s];
    if (need !== undefined && (target.labels?.[t] ?? 0) !== need) return `stage ${s} needs kind ${need}, tile ${t} is not`;
  }
  const links = new Set(targetLinks(target).map(([a, b]) => (a < b ? `${a},${b}` : `${b},${a}`)));
  for (const [u, v] of pattern.edges) {
    const a = mapping[u]!;
    const b = mapping[v]!;
    if (!links.has(a < b ? `${a},${b}` : `${b},${a}`)) return `edge ${u}->${v} maps to tiles ${a},${b}, which are not linked`;
  }
  return null;
}
