// The Pattern and Target formats of docs/ARCHITECTURE.md ("Data formats"), validated before anything reaches
// the core. Structure is checked by zod schemas; what a schema cannot say (edges naming missing
// nodes, self-loops, capacities, occupied tiles in range) is checked here, each error naming its field.

import { z } from "zod";
import { InputError, fieldPath } from "./input-error.js";

export const MAX_TILES = 256;
export const MAX_STAGES = 64;

const index = z.number().int().nonnegative();
const edge = z.tuple([index, index]);
const kind = z.number().int().nonnegative();

export const PatternSchema = z.strictObject({
  nodes: z.number().int().min(1, "a pattern needs at least one stage"),
  edges: z.array(edge),
  labels: z.array(kind).optional(),
});

const MeshSchema = z.strictObject({
  width: z.number().int().min(1, "an empty mesh has no tiles"),
  height: z.number().int().min(1, "an empty mesh has no tiles"),
  torus: z.boolean().optional(),
});

export const TargetSchema = z.union([
  z.strictObject({
    mesh: MeshSchema,
    occupied: z.array(index).optional(),
    labels: z.array(kind).optional(),
  }),
  z.strictObject({
    nodes: z.number().int().min(1, "an empty target has no tiles"),
    edges: z.array(edge),
    occupied: z.array(index).optional(),
    labels: z.array(kind).optional(),
  }),
]);

export type Pattern = z.infer<typeof PatternSchema>;
export type Target = z.infer<typeof TargetSchema>;
export type MeshTarget = Extract<Target, { mesh: unknown }>;

/** Number of tiles a target has. */
export function tileCount(t: Target): number {
  return "mesh" in t ? t.mesh.width * t.mesh.height : t.nodes;
}

/** All links of a target as [a, b] pairs (a mesh's are generated). */
export function targetLinks(t: Target): Array<[number, number]> {
  if (!("mesh" in t)) return t.edges.map(([a, b]) => [a, b]);
  const { width: w, height: h, torus } = t.mesh;
  const links: Array<[number, number]> = [];
  const seen = new Set<string>();
  const add = (a: number, b: number) => {
    if (a === b) return;
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) return;
    seen.add(key);
    links.push([a, b]);
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t0 = y * w + x;
      if (x + 1 < w) add(t0, t0 + 1);
      else if (torus) add(t0, y * w);
      if (y + 1 < h) add(t0, t0 + w);
      else if (torus) add(t0, x);
    }
  }
  return links;
}

function fromZod(err: z.ZodError): InputError {
  const issue = err.issues[0]!;
  // A union reports "invalid input" at the root: say which shapes were expected instead.
  if (issue.code === "invalid_union" && issue.path.length === 0) {
    const deeper = (issue as { errors?: z.core.$ZodIssue[][] }).errors
      ?.map((branch) => branch[0])
      .filter((i): i is z.core.$ZodIssue => !!i)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deeper && deeper.path.length > 0) {
      return new InputError(deeper.message, { field: fieldPath(deeper.path) });
    }
    return new InputError('expected {"mesh": {"width", "height", "torus"?}} or {"nodes", "edges"}, with optional "occupied" and "labels"');
  }
  return new InputError(issue.message, issue.path.length ? { field: fieldPath(issue.path) } : {});
}

function checkEdges(edges: ReadonlyArray<readonly [number, number]>, nodes: number, what: string): void {
  edges.forEach(([a, b], k) => {
    if (a >= nodes) throw new InputError(`${what} ${a} does not exist (0..${nodes - 1})`, { field: `edges[${k}][0]` });
    if (b >= nodes) throw new InputError(`${what} ${b} does not exist (0..${nodes - 1})`, { field: `edges[${k}][1]` });
    if (a === b) throw new InputError(`self-loop on ${what} ${a}`, { field: `edges[${k}]` });
  });
}

/** Validates a parsed JSON value as a Pattern; throws InputError naming the field. */
export function parsePattern(value: unknown): Pattern {
  const r = PatternSchema.safeParse(value);
  if (!r.success) throw fromZod(r.error);
  const p = r.data;
  if (p.nodes > MAX_STAGES) {
    throw new InputError(`${p.nodes} stages exceed the core's capacity of ${MAX_STAGES}`, { field: "nodes" });
  }
  checkEdges(p.edges, p.nodes, "stage");
  if (p.labels && p.labels.length !== p.nodes) {
    throw new InputError(`expected ${p.nodes} labels (one per stage), got ${p.labels.length}`, { field: "labels" });
  }
  return p;
}

/** Validates a parsed JSON value as a Target; throws InputError naming the field. */
export function parseTarget(value: unknown): Target {
  const r = TargetSchema.safeParse(value);
  if (!r.success) throw fromZod(r.error);
  const t = r.data;
  const tiles = tileCount(t);
  if (tiles > MAX_TILES) {
    const field = "mesh" in t ? "mesh" : "nodes";
    throw new InputError(`${tiles} tiles exceed the core's capacity of ${MAX_TILES}`, { field });
  }
  if (!("mesh" in t)) checkEdges(t.edges, t.nodes, "tile");
  t.occupied?.forEach((tile, k) => {
    if (tile >= tiles) {
      throw new InputError(`occupied tile ${tile} does not exist (0..${tiles - 1})`, { field: `occupied[${k}]` });
    }
  });
  if (t.labels && t.labels.length !== tiles) {
    throw new InputError(`expected ${tiles} labels (one per tile), got ${t.labels.length}`, { field: "labels" });
  }
  return t;
}
