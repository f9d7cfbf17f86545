// Small random instances for property tests: a mesh or an explicit graph, a random pattern,
// optional tile kinds, some tiles occupied.
import fc from "fast-check";
import type { Pattern, Target } from "../../host/formats/graphs.js";

/** Small random instances: a mesh or an explicit graph, a random pattern, optional kinds. */
export const smallInstance = fc
  .record({
    mesh: fc.boolean(),
    w: fc.integer({ min: 2, max: 5 }),
    h: fc.integer({ min: 1, max: 5 }),
    graphNodes: fc.integer({ min: 2, max: 9 }),
    graphEdges: fc.array(fc.tuple(fc.nat(8), fc.nat(8)), { maxLength: 18 }),
    occupiedBits: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
    stages: fc.integer({ min: 1, max: 6 }),
    patternEdges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 9 }),
    kinds: fc.option(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 25, maxLength: 25 }), { nil: undefined }),
  })
  .map((r) => {
    const tiles = r.mesh ? r.w * r.h : r.graphNodes;
    const target: Target = r.mesh
      ? { mesh: { width: r.w, height: r.h } }
      : {
          nodes: r.graphNodes,
          edges: r.graphEdges.map(([a, b]) => [a % tiles, b % tiles] as [number, number]).filter(([a, b]) => a !== b),
        };
    target.occupied = r.occupiedBits.slice(0, tiles).flatMap((busy, t) => (busy && t % 3 === 0 ? [t] : []));
    const pattern: Pattern = {
      nodes: r.stages,
      edges: r.patternEdges.map(([u, v]) => [u % r.stages, v % r.stages] as [number, number]).filter(([u, v]) => u !== v),
    };
    if (r.kinds) {
      target.labels = r.kinds.slice(0, tiles);
      pattern.labels = r.kinds.slice(tiles % 7, (tiles % 7) + r.stages).map((k) => k ?? 0);
      while (pattern.labels.length < r.stages) pattern.labels.push(0);
    }
    return { pattern, target };
  });
