// `npm run bench:solve`: the solvers on the same seeded instance families, side by side.
// Families: chains, ladders, branch-and-merge blocks, random connected subgraphs of the free mesh;
// meshes 4x4 to 16x16; 0 to 60% of tiles occupied. Every placement is verified in TypeScript.
// Prints the machine, the command and, per family and solver, p50 / p99 time and work.

import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { Core, RELEASE_WASM, SOLVERS, type SolverName } from "../core/core.js";
import { placementError } from "../core/verify.js";
import { type Instance, FAMILIES, makeInstance } from "./instances.js";
import { mulberry32 } from "./random.js";
import { fileBytes, machineLine, percentile } from "./machine.js";

const opts = new Command()
  .option("--per-cell <n>", "instances per (family, mesh, occupancy) cell", (v) => Number(v), 12)
  .option("--seed <s>", "instance seed", (v) => Number(v), 1)
  .option("--solvers <list>", "solvers to compare", SOLVERS.join(","))
  .option("--json <file>", "also write the rows as JSON")
  .parse(process.argv)
  .opts<{ perCell: number; seed: number; solvers: string; json?: string }>();

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

interface Sample { family: string; side: number; micros: number; work: number; found: boolean; complete: boolean }
function runAll(solver: SolverName): Sample[] {
  return instances.map((inst) => {
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    const r = core.solve({ solver });
    if (r.found) {
      const err = placementError(inst.pattern, inst.target, r.mapping!);
      if (err) throw new Error(`${solver} returned an invalid placement (${err}) on ${JSON.stringify(inst)}`);
    }
    return { family: inst.family, side: inst.side, micros: r.micros, work: r.work, found: r.found, complete: r.complete };
  });
}

console.log(`# bench:solve\n`);
console.log(`command: npm run bench:solve -- ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log(`machine: ${machineLine()}`);
console.log(`core: ${RELEASE_WASM} (${fileBytes(RELEASE_WASM)} bytes)`);
console.log(`instances: ${instances.length} (${FAMILIES.length} families x meshes ${SIDES.map((s) => `${s}x${s}`).join("/")} x occupied ${SHARES.map((s) => s * 100 + "%").join("/")} x ${opts.perCell}), seed ${opts.seed}\n`);

const rows: Array<Record<string, string | number>> = [];
for (const solver of solvers) {
  runAll(solver); // warm-up: let the engine compile the module's hot paths before timing
  const samples = runAll(solver);
  const groups = new Map<string, Sample[]>();
  for (const key of [...FAMILIES, "all"]) groups.set(key, []);
  for (const s of samples) {
    groups.get(s.family)!.push(s);
    groups.get("all")!.push(s);
  }
  for (const [family, group] of groups) {
    const micros = group.map((s) => s.micros).sort((a, b) => a - b);
    const work = group.map((s) => s.work).sort((a, b) => a - b);
    rows.push({
      solver,
      family,
      n: group.length,
      found: group.filter((s) => s.found).length,
      settled: group.filter((s) => s.complete).length,
      p50us: +percentile(micros, 50).toFixed(1),
      p99us: +percentile(micros, 99).toFixed(1),
      maxus: +micros[micros.length - 1]!.toFixed(1),
      p50work: percentile(work, 50),
      p99work: percentile(work, 99),
    });
  }
}

const cols = ["solver", "family", "n", "found", "settled", "p50us", "p99us", "maxus", "p50work", "p99work"];
console.log(`| ${cols.join(" | ")} |`);
console.log(`| ${cols.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(" | ")} |`);
console.log(`\nfound: placements found (each verified); settled: answers that are definitive (found, or proven none)`);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: machineLine(), rows }, null, 2));
