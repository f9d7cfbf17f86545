// A text picture of a placement on a mesh: each cell shows the stage placed there (S0, S1, ...),
// `##` for an occupied tile and `..` for a free one; a pattern edge that runs on a link is drawn
// as ─ or │ between its two cells. Non-mesh targets get a stage -> tile list instead.

import type { Pattern, Target } from "../formats/graphs.js";

export function renderPlacement(pattern: Pattern, target: Target, mapping: readonly number[] | null): string {
  if (!("mesh" in target)) {
    if (!mapping) return "(no placement)";
    return mapping.map((tile, stage) => `  stage ${stage} -> tile ${tile}`).join("\n");
  }
  const { width: w, height: h } = target.mesh;
  const occupied = new Set(target.occupied ?? []);
  const stageAt = new Map<number, number>();
  for (const [stage, tile] of (mapping ?? []).entries()) stageAt.set(tile, stage);
  const used = new Set<string>();
  if (mapping) {
    for (const [u, v] of pattern.edges) {
      const a = mapping[u]!;
      const b = mapping[v]!;
      used.add(a < b ? `${a},${b}` : `${b},${a}`);
    }
  }
  const linked = (a: number, b: number) => used.has(a < b ? `${a},${b}` : `${b},${a}`);
  const cell = (t: number) => {
    const s = stageAt.get(t);
    if (s !== undefined) return `S${s}`.padStart(3);
    return occupied.has(t) ? " ##" : " ..";
  };
  const lines: string[] = [];
  for (let y = 0; y < h; y++) {
    let row = "";
    let below = "";
    for (let x = 0; x < w; x++) {
      const t = y * w + x;
      row += cell(t);
      if (x + 1 < w) row += linked(t, t + 1) ? "─" : " ";
      below += (y + 1 < h && linked(t, t + w) ? "  │" : "   ") + (x + 1 < w ? " " : "");
    }
    lines.push(row);
    if (y + 1 < h) lines.push(below.trimEnd());
  }
  return lines.join("\n");
}
