// `npm run bench:solve`: the solvers on the same seeded instance families, side by side, in one run.
// Families: chains, ladders, branch-and-merge blocks, random connected subgraphs of the free mesh;
// meshes 4x4 to 16x16; 0 to 60% of tiles occupied (16x16 at 60% included). Every placement is
// verified in TypeScript. Prints the machine, the command and, per family and solver: p50 / p99
// decision time and work, found rate over the feasible instances, mean placement quality
// (host/core/quality.ts) on the instances every solver placed, and the ratio of p50 / p99 time to
// the exact solver's.

import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { Core, RELEASE_WASM, SOLVERS, type SolverName } from "../core/core.js";
import { placementError } from "../core/verify.js";
import { freeSpaceQuality } from "../core/quality.js";
import { type Instance, FAMILIES, makeInstance } from "./instances.js";
import { mulberry32 } from "../workloads/random.js";
import { fileBytes, machineLine } from "./machine.js";
import { percentile } from "../sim/metrics.js";

const opts = new Command()
  .option("--per-cell <n>", "instances per (family, mesh, occupancy) cell", (v) => Number(v), 12)
  .option("--seed <s>", "instance seed", (v) => Number(v), 1)
  .option("--solvers <list>", "solvers to compare (the first should be ullmann: ratios are to it)", SOLVERS.join(","))
  .option("--polish <n>", "pso/auto quality iterations after the first placement", (v) => Number(v), 0)
  .option("--json <file>", "also write the rows as JSON")
  .option(
    "--placements <file>",
    "also write every instance's answer per solver (found, complete, mapping, work) as JSON lines, to compare builds",
  )
  .parse(process.argv)
  .opts<{ perCell: number; seed: number; solvers: string; polish: number; json?: string; placements?: string }>();

const SIDES = [4, 8, 12, 16];
const SHARES = [0, 0.2, 0.4, 0.6];

const rand = mulberry32(opts.seed);
const instances: Array<Instance & { side: number; share: number }> = [];
for (const family of FAMILIES) {
  for (const side of SIDES) {
    for (const share of SHARES) {
      for (let k = 0; k < opts.perCell; k++) instances.push({ ...makeInstance(rand, family, side, side, share), side, share });
    }
  }
}

const solvers = opts.solvers.split(",") as SolverName[];
const core = await Core.load();

interface Sample {
  family: string;
  side: number;
  micros: number;
  work: number;
  found: boolean;
  complete: boolean;
  quality?: number;
  mapping: number[] | null;
}
function runAll(solver: SolverName): Sample[] {
  return instances.map((inst) => {
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    const r = core.solve({ solver, polish: opts.polish });
    let quality: number | undefined;
    if (r.found) {
      const err = placementError(inst.pattern, inst.target, r.mapping!);
      if (err) throw new Error(`${solver} returned an invalid placement (${err}) on ${JSON.stringify(inst)}`);
      quality = freeSpaceQuality(inst.target, r.mapping!);
    }
    return {
      family: inst.family,
      side: inst.side,
      micros: r.micros,
      work: r.work,
      found: r.found,
      complete: r.complete,
      quality,
      mapping: r.mapping,
    };
  });
}

console.log(`# bench:solve\n`);
console.log(`command: npm run bench:solve -- ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log(`machine: ${machineLine()}`);
console.log(`core: ${RELEASE_WASM} (${fileBytes(RELEASE_WASM)} bytes)`);
console.log(
  `instances: ${instances.length} (${FAMILIES.length} families x meshes ${SIDES.map((s) => `${s}x${s}`).join("/")} x occupied ${SHARES.map((s) => `${s * 100}%`).join("/")} x ${opts.perCell}), seed ${opts.seed}\n`,
);

const results = new Map<SolverName, Sample[]>();
for (const solver of solvers) {
  runAll(solver); // warm-up: let the engine compile the module's hot paths before timing
  results.set(solver, runAll(solver));
}
// feasible: some solver placed it, or the exact search settled it as found
const feasible = instances.map((_, k) => solvers.some((s) => results.get(s)![k]!.found));
// quality is compared on the instances every solver placed
const placedByAll = instances.map((_, k) => solvers.every((s) => results.get(s)![k]!.found));

const rows: Array<Record<string, string | number>> = [];
// the four families, every instance, and the hardest cell on its own: 16x16 with 60% of tiles busy
const HARD = "16x16 60% busy";
const keys = [...FAMILIES, "all", HARD];
const pick = (family: string) => (_: unknown, k: number) =>
  family === "all" || (family === HARD ? instances[k]!.side === 16 && instances[k]!.share === 0.6 : instances[k]!.family === family);
const baseline = new Map<string, { p50: number; p99: number }>();
for (const solver of solvers) {
  const samples = results.get(solver)!;
  for (const family of keys) {
    const idx = samples.map((_, k) => k).filter((k) => pick(family)(null, k));
    const group = idx.map((k) => samples[k]!);
    const micros = group.map((s) => s.micros).sort((a, b) => a - b);
    const work = group.map((s) => s.work).sort((a, b) => a - b);
    const feas = idx.filter((k) => feasible[k]);
    const common = idx.filter((k) => placedByAll[k]).map((k) => samples[k]!.quality!);
    const p50 = percentile(micros, 50);
    const p99 = percentile(micros, 99);
    if (solver === "ullmann") baseline.set(family, { p50, p99 });
    const base = baseline.get(family);
    rows.push({
      solver,
      family,
      n: group.length,
      found: `${feas.filter((k) => samples[k]!.found).length}/${feas.length}`,
      settled: group.filter((s) => s.complete).length,
      p50us: +p50.toFixed(1),
      p99us: +p99.toFixed(1),
      "p50 vs ullmann": base ? `${(p50 / base.p50).toFixed(2)}x` : "-",
      "p99 vs ullmann": base ? `${(p99 / base.p99).toFixed(2)}x` : "-",
      p50work: percentile(work, 50),
      p99work: percentile(work, 99),
      quality: common.length ? +(common.reduce((a, b) => a + b, 0) / common.length).toFixed(2) : "-",
    });
  }
}

const cols = [
  "solver",
  "family",
  "n",
  "found",
  "settled",
  "p50us",
  "p99us",
  "p50 vs ullmann",
  "p99 vs ullmann",
  "p50work",
  "p99work",
  "quality",
];
console.log(`| ${cols.join(" | ")} |`);
console.log(`| ${cols.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(" | ")} |`);
console.log(
  `\nfound: placements found (each verified) / feasible instances (placed by some solver); settled: definitive answers (found, or proven none)`,
);
console.log(
  `quality: mean free-space compactness Q = links among free tiles - 2 x free regions (higher is better), over the ${placedByAll.filter(Boolean).length} instances every solver placed`,
);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: machineLine(), rows }, null, 2));
if (opts.placements) {
  const lines = solvers.flatMap((solver) =>
    results
      .get(solver)!
      .map((s, k) => JSON.stringify({ solver, instance: k, found: s.found, complete: s.complete, work: s.work, mapping: s.mapping })),
  );
  writeFileSync(opts.placements, `${lines.join("\n")}\n`);
}
