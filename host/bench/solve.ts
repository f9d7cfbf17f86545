// `npm run bench:solve`: the solvers on the same seeded instance families, side by side, in one run.
// The original cells (768 at 12 per cell): chains, ladders, branch-and-merge blocks, random
// connected subgraphs of the free mesh; meshes 4x4 to 16x16; 0 to 60% of tiles occupied. The
// harder cells (issue 11), drawn after them from the same stream so the original 768 stay the
// same: DNN stage graphs with fork and join (dnn), patterns with an odd cycle (odd-cycle), patterns
// longer than the largest free region of a walled mesh (too-long), on 0 to 90% occupied meshes, and
// the original families on nearly full meshes (80%, 90%). Every placement is verified in
// TypeScript and every proof of "none" is checked against the other solvers' answers. Prints the
// machine, the command and, per family and solver: p50 / p99 decision time and work, found rate
// over the feasible instances, mean placement quality (host/core/quality.ts) on the instances every
// solver placed, the ratio of p50 / p99 time to the exact solver's, and feasible and infeasible
// instances apart.

import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { Core, PROOFS, PROOFS_ALL, type ProofName, RELEASE_WASM, SOLVERS, type SolverName } from "../core/core.js";
import { placementError } from "../core/verify.js";
import type { Pattern, Target } from "../formats/graphs.js";
import { freeSpaceQuality } from "../core/quality.js";
import { type Instance, FAMILIES, HARD_FAMILIES, makeInstance } from "./instances.js";
import { mulberry32 } from "../workloads/random.js";
import { fileBytes, machineLine } from "./machine.js";
import { percentile } from "../sim/metrics.js";
import { ParallelSearch, spanFor } from "../core/parallel-search.js";

const opts = new Command()
  .option("--per-cell <n>", "instances per (family, mesh, occupancy) cell", (v) => Number(v), 12)
  .option("--seed <s>", "instance seed", (v) => Number(v), 1)
  .option("--solvers <list>", "solvers to compare (the first should be ullmann: ratios are to it)", SOLVERS.join(","))
  .option("--polish <n>", "pso/auto quality iterations after the first placement", (v) => Number(v), 0)
  .option("--cells <which>", "original (the 768 of the first bench) or all (with the harder cells)", "all")
  .option("--without <proofs>", `proofs and filters turned off: all, or a comma list of ${Object.keys(PROOFS).join(", ")}`)
  .option(
    "--repeat <n>",
    "timed runs per instance; the time reported is the least (the answer and work must not change)",
    (v) => Number(v),
    1,
  )
  .option("--ablate", "instead of the table: every solver with all proofs, none, and each one off, p50 / p99 apart")
  .option(
    "--threads <list>",
    "also run the parallel search (the exact search and particle swarms, one core instance each) on this many worker threads (e.g. 1,2): rows `par xK`, their answers checked to be the same for every K",
  )
  .option("--groups <n>", "groups of the --threads rows: the exact search and n - 1 particle swarms", (v) => Number(v), 4)
  .option("--slice <n>", "work units per group and round of the --threads rows", (v) => Number(v), 4096)
  .option("--json <file>", "also write the rows as JSON")
  .option(
    "--placements <file>",
    "also write every instance's answer per solver (found, complete, mapping, work) as JSON lines, to compare builds",
  )
  .parse(process.argv)
  .opts<{
    perCell: number;
    seed: number;
    solvers: string;
    polish: number;
    cells: string;
    without?: string;
    ablate?: boolean;
    repeat: number;
    json?: string;
    placements?: string;
    threads?: string;
    groups: number;
    slice: number;
  }>();

/** The PROOFS mask with the named proofs turned off. */
function proofMask(without: string | undefined): number {
  if (!without) return PROOFS_ALL;
  if (without === "all") return 0;
  let mask = PROOFS_ALL;
  for (const name of without.split(",")) {
    if (!(name in PROOFS)) throw new Error(`--without: unknown proof "${name}" (known: all, ${Object.keys(PROOFS).join(", ")})`);
    mask &= ~PROOFS[name as ProofName];
  }
  return mask;
}
const proofs = proofMask(opts.without);
if (!Number.isInteger(opts.repeat) || opts.repeat < 1) throw new Error(`--repeat: expected a positive integer, got ${opts.repeat}`);
if (opts.cells !== "original" && opts.cells !== "all") throw new Error(`--cells: expected original or all, got "${opts.cells}"`);

const SIDES = [4, 8, 12, 16];
const SHARES = [0, 0.2, 0.4, 0.6];
const FULL_SHARES = [0.8, 0.9];

const rand = mulberry32(opts.seed);
const instances: Array<Instance & { side: number; share: number; original: boolean }> = [];
const cell = (families: readonly Instance["family"][], shares: number[], original: boolean) => {
  for (const family of families) {
    for (const side of SIDES) {
      for (const share of shares) {
        for (let k = 0; k < opts.perCell; k++) instances.push({ ...makeInstance(rand, family, side, side, share), side, share, original });
      }
    }
  }
};
cell(FAMILIES, SHARES, true);
if (opts.cells === "all") {
  cell(HARD_FAMILIES, [...SHARES, ...FULL_SHARES], false);
  cell(FAMILIES, FULL_SHARES, false);
}

const solvers = opts.solvers.split(",") as SolverName[];
const threads = opts.threads ? opts.threads.split(",").map(Number) : [];
for (const k of threads)
  if (!Number.isInteger(k) || k < 1 || k > opts.groups)
    throw new Error(`--threads: expected integers in 1..${opts.groups} (the group count), got "${opts.threads}"`);
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
function runAll(solver: SolverName, budget?: number, mask = proofs): Sample[] {
  return instances.map((inst) => {
    core.loadTarget(inst.target);
    core.loadPattern(inst.pattern);
    const r = core.solve({ solver, polish: opts.polish, budget, proofs: mask });
    // the least of several timed runs: the solve's own time, less the machine's other load
    for (let k = 1; k < opts.repeat && budget === undefined; k++) {
      const again = core.solve({ solver, polish: opts.polish, budget, proofs: mask });
      if (again.work !== r.work || again.found !== r.found) throw new Error(`${solver} is not deterministic on ${JSON.stringify(inst)}`);
      r.micros = Math.min(r.micros, again.micros);
    }
    return verified(solver, inst, r);
  });
}

/** An answer as a sample, its placement (if any) checked and its quality measured. */
function verified(
  solver: string,
  inst: (typeof instances)[number],
  r: { found: boolean; complete: boolean; micros: number; work: number; mapping: number[] | null },
): Sample {
  let quality: number | undefined;
  if (r.found) {
    const err = placementError(inst.pattern, inst.target, r.mapping!);
    if (err) throw new Error(`${solver} returned an invalid placement (${err}) on ${JSON.stringify(inst)}`);
    quality = freeSpaceQuality(inst.target, r.mapping!);
  }
  const { micros, work, found, complete, mapping } = r;
  return { family: inst.family, side: inst.side, micros, work, found, complete, quality, mapping };
}

/**
 * The parallel search on `workers` worker threads (host/core/parallel-search.ts), every instance;
 * work is along the slowest worker (spanWork). Placements verified like the others'.
 */
const overheads: string[] = [];
function runParallel(workers: number): Array<Sample & { roundWork: number[][] }> {
  const pp = ParallelSearch.start({ workers, groups: opts.groups, slice: opts.slice });
  try {
    // warm-up: the workers load their cores and compile the hot paths
    for (const inst of instances.slice(0, 50)) pp.solve(inst.target, inst.pattern, { budget: WARM_UP_BUDGET, proofs });
    // the cost of going through the threads: trivial solves (a 2-stage pattern), the same instance
    // again (one round) and two instances in turn (a load and a round each)
    const small: Target = { mesh: { width: 4, height: 4 } };
    const pair: Pattern = { nodes: 2, edges: [[0, 1]] };
    const same = Array.from({ length: 500 }, () => pp.solve(small, pair).micros);
    const boards: Target[] = [small, { mesh: { width: 4, height: 4 }, occupied: [15] }];
    const fresh = Array.from({ length: 500 }, (_, k) => pp.solve(boards[k % 2]!, pair).micros);
    const fig = (v: number[]) => `${percentile(v, 50).toFixed(1)} / ${percentile(v, 99).toFixed(1)}`;
    overheads.push(`par x${workers}: a trivial solve p50 / p99 µs: one round ${fig(same)}, a load and a round ${fig(fresh)}`);
    return instances.map((inst) => {
      const r = pp.solve(inst.target, inst.pattern, { proofs });
      for (let k = 1; k < opts.repeat; k++) r.micros = Math.min(r.micros, pp.solve(inst.target, inst.pattern, { proofs }).micros);
      return { ...verified(`par x${workers}`, inst, { ...r, work: r.spanWork }), roundWork: r.roundWork };
    });
  } finally {
    void pp.close();
  }
}

console.log(`# bench:solve\n`);
console.log(`command: npm run bench:solve -- ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log(`machine: ${machineLine()}`);
console.log(`core: ${RELEASE_WASM} (${fileBytes(RELEASE_WASM)} bytes)`);
console.log(
  `instances: ${instances.length}: original ${instances.filter((i) => i.original).length} (${FAMILIES.join(", ")} x meshes ${SIDES.map((s) => `${s}x${s}`).join("/")} x occupied ${SHARES.map((s) => `${s * 100}%`).join("/")} x ${opts.perCell})` +
    (opts.cells === "all"
      ? `; harder ${instances.filter((i) => !i.original).length} (${HARD_FAMILIES.join(", ")} x occupied 0-90%; the original families x occupied ${FULL_SHARES.map((s) => `${s * 100}%`).join("/")})`
      : "") +
    `, seed ${opts.seed}\n`,
);

const WARM_UP_BUDGET = 200_000;
if (opts.ablate) {
  ablate();
  process.exit(0);
}
const results = new Map<string, Sample[]>();
for (const solver of solvers) {
  // warm-up: let the engine compile the module's hot paths before timing (on a smaller budget: a
  // search that runs out of it has been through every hot path many times)
  runAll(solver, WARM_UP_BUDGET);
  results.set(solver, runAll(solver));
}
// the parallel particle rows: the same answers for every worker count (the answer depends on the seed only)
const parallel = new Map<string, Sample[]>();
for (const k of threads) {
  const samples = runParallel(k);
  const first = parallel.values().next().value;
  if (first) {
    for (const [i, s] of samples.entries()) {
      if (JSON.stringify(s.mapping) !== JSON.stringify(first[i]!.mapping) || s.found !== first[i]!.found)
        throw new Error(`par x${k} answered instance ${i} differently from x${threads[0]}: not deterministic`);
    }
  }
  parallel.set(`par x${k}`, samples);
  // projected: the same rounds on more workers (work along the slowest one)
  if (k === threads[threads.length - 1]) {
    for (const more of [4, 8, 16].filter((m) => m > k && m <= opts.groups)) {
      parallel.set(
        `par x${more} (projected)`,
        samples.map((s) => ({ ...s, micros: Number.NaN, work: spanFor(s.roundWork, more) })),
      );
    }
  }
}
for (const [name, samples] of parallel) results.set(name, samples);
const allSolvers: string[] = [...solvers, ...parallel.keys()];

// feasible: some solver placed it (verified above); infeasible: some solver proved that none exists
const feasible = instances.map((_, k) => allSolvers.some((s) => results.get(s)![k]!.found));
const infeasible = instances.map((_, k) => allSolvers.some((s) => results.get(s)![k]!.complete && !results.get(s)![k]!.found));
for (const [k, inst] of instances.entries()) {
  if (feasible[k] && infeasible[k]) throw new Error(`a solver proved "none" on an instance another placed: ${JSON.stringify(inst)}`);
}
// quality is compared on the instances every solver placed
const placedByAll = instances.map((_, k) => allSolvers.every((s) => results.get(s)![k]!.found));

const rows: Array<Record<string, string | number>> = [];
// the families, the original 768, every instance, feasible and infeasible ones apart, and the
// hardest cell of the original bench on its own: 16x16 with 60% of tiles busy
const HARD = "16x16 60% busy";
const families = opts.cells === "all" ? [...FAMILIES, ...HARD_FAMILIES] : [...FAMILIES];
const keys = [...families, ...(opts.cells === "all" ? ["original", "nearly full"] : []), "all", "feasible", "infeasible", HARD];
const pick = (family: string) => (_: unknown, k: number) => {
  const inst = instances[k]!;
  switch (family) {
    case "all":
      return true;
    case "original":
      return inst.original;
    case "nearly full":
      return inst.share >= 0.8;
    case "feasible":
      return feasible[k]!;
    case "infeasible":
      return infeasible[k]!;
    case HARD:
      return inst.original && inst.side === 16 && inst.share === 0.6;
    default:
      return inst.family === family;
  }
};
const baseline = new Map<string, { p50: number; p99: number }>();
for (const solver of allSolvers) {
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
      // projected rows have work only
      p50us: Number.isNaN(p50) ? "-" : +p50.toFixed(1),
      p99us: Number.isNaN(p99) ? "-" : +p99.toFixed(1),
      "p50 vs ullmann": base && !Number.isNaN(p50) ? `${(p50 / base.p50).toFixed(2)}x` : "-",
      "p99 vs ullmann": base && !Number.isNaN(p99) ? `${(p99 / base.p99).toFixed(2)}x` : "-",
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
  `feasible ${feasible.filter(Boolean).length}, infeasible (proven by some solver) ${infeasible.filter(Boolean).length}, unsettled by every solver ${instances.filter((_, k) => !feasible[k] && !infeasible[k]).length}`,
);
console.log(
  `quality: mean free-space compactness Q = links among free tiles - 2 x free regions (higher is better), over the ${placedByAll.filter(Boolean).length} instances every solver placed`,
);
for (const line of overheads) console.log(line);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: machineLine(), rows }, null, 2));
if (opts.placements) {
  const lines = allSolvers.flatMap((solver) =>
    results
      .get(solver)!
      .map((s, k) => JSON.stringify({ solver, instance: k, found: s.found, complete: s.complete, work: s.work, mapping: s.mapping })),
  );
  writeFileSync(opts.placements, `${lines.join("\n")}\n`);
}

/**
 * What each proof and filter buys: per solver, every instance with all of them on, with none, and
 * with each one off in turn; p50 / p99 decision time over all, feasible and infeasible instances
 * (as the run with everything on classifies them: placed, or proven none), and how many settled.
 */
function ablate(): void {
  const configs: Array<[string, number]> = [
    ["all on", PROOFS_ALL],
    ["all off", 0],
    ...Object.entries(PROOFS).map(([name, bit]) => [`without ${name}`, PROOFS_ALL & ~bit] as [string, number]),
  ];
  const cols = [
    "solver",
    "proofs",
    "settled",
    "all p50",
    "all p99",
    "feasible p50",
    "feasible p99",
    "infeasible p50",
    "infeasible p99",
    "work p50",
    "work p99",
    "feasible work p99",
    "infeasible work p99",
  ];
  console.log(`| ${cols.join(" | ")} |`);
  console.log(`| ${cols.map(() => "---").join(" | ")} |`);
  const out: Array<Record<string, string | number>> = [];
  for (const solver of solvers) {
    let truth: Sample[] | undefined;
    for (const [label, mask] of configs) {
      runAll(solver, WARM_UP_BUDGET, mask);
      const r = runAll(solver, undefined, mask);
      truth ??= r;
      for (const [k, s] of r.entries()) {
        const t = truth[k]!;
        // a proof never changes an answer: the same instances placed, the same proven none
        if ((s.complete && !s.found && t.found) || (t.complete && !t.found && s.found))
          throw new Error(`${solver} ${label}: answer differs from all-on on instance ${k}`);
      }
      const stat = (keep: (k: number) => boolean, field: "micros" | "work" = "micros") => {
        const xs = r
          .filter((_, k) => keep(k))
          .map((x) => x[field])
          .sort((a, b) => a - b);
        return [+percentile(xs, 50).toFixed(1), +percentile(xs, 99).toFixed(1)];
      };
      const [a50, a99] = stat(() => true);
      const [f50, f99] = stat((k) => truth![k]!.found);
      const [i50, i99] = stat((k) => truth![k]!.complete && !truth![k]!.found);
      const row = {
        solver,
        proofs: label,
        settled: `${r.filter((x) => x.complete).length}/${r.length}`,
        "all p50": a50!,
        "all p99": a99!,
        "feasible p50": f50!,
        "feasible p99": f99!,
        "infeasible p50": i50!,
        "infeasible p99": i99!,
        "work p50": stat(() => true, "work")[0]!,
        "work p99": stat(() => true, "work")[1]!,
        "feasible work p99": stat((k) => truth![k]!.found, "work")[1]!,
        "infeasible work p99": stat((k) => truth![k]!.complete && !truth![k]!.found, "work")[1]!,
      };
      out.push(row);
      console.log(`| ${cols.map((c) => row[c as keyof typeof row]).join(" | ")} |`);
    }
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: machineLine(), ablation: out }, null, 2));
}
