// The host's typed view of the Wasm core: load a target, load a pattern, solve. Inputs are
// validated (host/formats) before they are copied into the core's I/O buffer; the core checks
// them again and any refusal surfaces as a CoreError.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { instantiate } from "@assemblyscript/loader";
import { CoreError, check, Status } from "./errors.js";
import { type Pattern, type Target, parsePattern, parseTarget } from "../formats/graphs.js";

/** ullmann: exact search; pso: the IMMSched particles; auto: particles first, exact fallback. */
export type SolverName = "ullmann" | "pso" | "auto";
export const SOLVERS: readonly SolverName[] = ["ullmann", "pso", "auto"];
const SOLVER_ID: Record<SolverName, number> = { ullmann: 0, pso: 1, auto: 2 };
/** `solve` with this id continues the last pso or ullmann search (assembly/portfolio.ts SOLVER_MORE). */
const SOLVER_MORE = 3;
/** The solver that produced an answer (`auto` answers with one of these). */
export type AnsweringSolver = "ullmann" | "pso";
const ANSWERED: Record<number, AnsweringSolver> = { 0: "ullmann", 1: "pso" };

/**
 * The proofs and filters before and during a search (assembly/proofs/switches.ts), one bit each;
 * all on by default. Each is sound: turning one off changes the work, never the answer.
 */
export const PROOFS = { regions: 1, bipartite: 2, rigid: 4, alldiff: 8 } as const;
export type ProofName = keyof typeof PROOFS;
export const PROOFS_ALL = 15;

/** Particle swarm size of the pso and auto solvers (1..16). */
export const DEFAULT_PARTICLES = 8;

/** Default work budget of a solve: enough for every instance family of `npm run bench:solve`. */
export const DEFAULT_BUDGET = 5_000_000;

/** docs/ARCHITECTURE.md "Solve result". */
export interface SolveResult {
  found: boolean;
  /** True when the answer is definitive: a verified placement, or a proof that none exists. */
  complete: boolean;
  mapping: number[] | null;
  work: number;
  /** Wall time of the solve call inside the core, in microseconds. */
  micros: number;
  /** The solver that produced the answer: auto reports "pso" or "ullmann". */
  solver: AnsweringSolver;
}

export interface SolveOptions {
  solver?: SolverName;
  /** Work units, a positive integer (default DEFAULT_BUDGET). */
  budget?: number;
  /** Seed of the randomised solvers (default 1). */
  seed?: number;
  /** Particles of pso/auto, 1..16 (default DEFAULT_PARTICLES). */
  particles?: number;
  /** Particle iterations spent improving quality after the first valid placement (default 0). */
  polish?: number;
  /** Proofs and filters that run, a mask of PROOFS bits (default PROOFS_ALL). */
  proofs?: number;
}

interface CoreExports {
  memory: WebAssembly.Memory;
  ioPointer(): number;
  ioCapacity(): number;
  loadTargetTiles(tiles: number): number;
  loadTargetMesh(width: number, height: number, torus: number): number;
  loadTargetLinks(count: number): number;
  loadTargetOccupied(count: number, occupied: number): number;
  loadTargetKinds(count: number): number;
  loadPatternStages(stages: number): number;
  loadPatternEdges(count: number): number;
  loadPatternKinds(count: number): number;
  solve(solver: number, budget: number, seed: number): number;
  configureParticles(particles: number, polish: number): number;
  configureProofs(mask: number): number;
  resultWork(): number;
  resultSolver(): number;
  resultMapping(): number;
}

/** The shipped core, with Wasm SIMD. */
export const RELEASE_WASM = fileURLToPath(new URL("../../build/release.wasm", import.meta.url));
/** The same core built without SIMD (the particle update runs its scalar form). */
export const SCALAR_WASM = fileURLToPath(new URL("../../build/release-scalar.wasm", import.meta.url));

export class Core {
  private stages = 0;
  /** The last solve was a pso or ullmann solve that spent its budget, and nothing was loaded since. */
  private resumable = false;
  /** The core's work count when the last solve or slice ended (solveMore's counts on from it). */
  private workSoFar = 0;

  private constructor(private readonly x: CoreExports) {}

  /** Instantiates the core from a .wasm file (default: the release build). */
  static async load(wasmPath: string = RELEASE_WASM): Promise<Core> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(wasmPath);
    } catch {
      throw new Error(`cannot read the core at ${wasmPath}: run "npm run build" first`);
    }
    const { exports } = await instantiate<Record<string, unknown>>(bytes, {});
    return new Core(exports as unknown as CoreExports);
  }

  /** Bytes of linear memory: constant after start-up, since the core never grows it. */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  private io(values: ArrayLike<number>): void {
    const cap = this.x.ioCapacity();
    if (values.length > cap) throw new Error(`${values.length} values exceed the core's I/O buffer of ${cap}`);
    new Int32Array(this.x.memory.buffer, this.x.ioPointer(), cap).set(values);
  }

  /** Writes pairs in chunks that fit the I/O buffer and feeds each chunk to `load`. */
  private pairs(list: ReadonlyArray<readonly [number, number]>, load: (n: number) => number, during: string): void {
    const chunk = this.x.ioCapacity() >> 1;
    for (let k = 0; k < list.length; k += chunk) {
      const part = list.slice(k, k + chunk);
      this.io(part.flat());
      check(load(part.length), during);
    }
  }

  loadTarget(input: Target | unknown): void {
    this.resumable = false;
    const t = parseTarget(input);
    if ("mesh" in t) {
      check(this.x.loadTargetMesh(t.mesh.width, t.mesh.height, t.mesh.torus ? 1 : 0), "target mesh");
    } else {
      check(this.x.loadTargetTiles(t.nodes), "target nodes");
      this.pairs(t.edges, (n) => this.x.loadTargetLinks(n), "target edges");
    }
    if (t.labels) {
      this.io(t.labels);
      check(this.x.loadTargetKinds(t.labels.length), "target labels");
    }
    if (t.occupied?.length) {
      this.io(t.occupied);
      check(this.x.loadTargetOccupied(t.occupied.length, 1), "target occupied");
    }
  }

  loadPattern(input: Pattern | unknown): void {
    this.resumable = false;
    const p = parsePattern(input);
    check(this.x.loadPatternStages(p.nodes), "pattern nodes");
    this.pairs(p.edges, (n) => this.x.loadPatternEdges(n), "pattern edges");
    if (p.labels) {
      this.io(p.labels);
      check(this.x.loadPatternKinds(p.labels.length), "pattern labels");
    }
    this.stages = p.nodes;
  }

  solve(opts: SolveOptions = {}): SolveResult {
    const solver = opts.solver ?? "ullmann";
    const budget = opts.budget ?? DEFAULT_BUDGET;
    const seed = opts.seed ?? 1;
    if (!(solver in SOLVER_ID)) throw new Error(`unknown solver "${solver}" (known: ${SOLVERS.join(", ")})`);
    if (!Number.isSafeInteger(budget) || budget < 1) throw new Error(`budget must be a positive integer, got ${budget}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in 0..2^32-1, got ${seed}`);
    const particles = opts.particles ?? DEFAULT_PARTICLES;
    const polish = opts.polish ?? 0;
    if (!Number.isInteger(particles) || particles < 1 || particles > 16)
      throw new Error(`particles must be an integer in 1..16, got ${particles}`);
    if (!Number.isInteger(polish) || polish < 0) throw new Error(`polish must be a non-negative integer, got ${polish}`);
    check(this.x.configureParticles(particles, polish), "particle settings");
    const proofs = opts.proofs ?? PROOFS_ALL;
    if (!Number.isInteger(proofs) || proofs < 0 || proofs > PROOFS_ALL)
      throw new Error(`proofs must be a mask of the PROOFS bits (0..${PROOFS_ALL}), got ${proofs}`);
    check(this.x.configureProofs(proofs), "proof switches");
    const t0 = process.hrtime.bigint();
    const status = check(this.x.solve(SOLVER_ID[solver], budget, seed >>> 0), "solve");
    this.resumable = (solver === "pso" || solver === "ullmann") && status === Status.BUDGET_SPENT;
    this.workSoFar = 0;
    return this.result(status, t0);
  }

  /**
   * Continues the last `pso` or `ullmann` solve, which spent its budget, for `budget` more work
   * units, going on where it stopped (assembly/portfolio.ts SOLVER_MORE); `work` is this slice's.
   * A CoreError when there is nothing to continue: an answer was given, another instance or solver
   * came since, or the budget ran out in the proofs before the search began.
   */
  solveMore(budget: number): SolveResult {
    if (!Number.isSafeInteger(budget) || budget < 1) throw new Error(`budget must be a positive integer, got ${budget}`);
    if (!this.resumable) throw new CoreError(-15, "solveMore");
    const t0 = process.hrtime.bigint();
    const status = check(this.x.solve(SOLVER_MORE, budget, 0), "solveMore");
    this.resumable = status === Status.BUDGET_SPENT;
    return this.result(status, t0);
  }

  /** Work since the last solve or slice ended (the core counts a continued search on from its start). */
  private sliceWork(): number {
    const total = this.x.resultWork();
    const work = total - this.workSoFar;
    this.workSoFar = total;
    return work;
  }

  private result(status: number, t0: bigint): SolveResult {
    const micros = Number(process.hrtime.bigint() - t0) / 1000;
    const found = status === Status.FOUND;
    const mapping = found ? Array.from(new Int32Array(this.x.memory.buffer, this.x.resultMapping(), this.stages)) : null;
    return {
      found,
      complete: status !== Status.BUDGET_SPENT,
      mapping,
      work: this.sliceWork(),
      micros,
      solver: ANSWERED[this.x.resultSolver()] ?? "ullmann",
    };
  }
}
