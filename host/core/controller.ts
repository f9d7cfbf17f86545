// The host's typed view of the core's global controller (assembly/controller): load the model
// table, start a run with a policy, feed it the three events, read back its commands.
// Each Controller owns its own instance of the Wasm module, so several runs never share state.

import { readFileSync } from "node:fs";
import { instantiate, instantiateSync } from "@assemblyscript/loader";
import { check } from "./errors.js";
import { RELEASE_WASM } from "./core.js";
import { type Target, parseTarget } from "../formats/graphs.js";
import { type Command, DROP_REASON_BY_CODE } from "../../firmware-bridge/protocol/index.js";
import { exposeGlobals } from "./wasm-globals.js";

/** In the core's policy-id order (assembly/policies/registry.ts POLICY_*; test/assembly/core-tables.test.ts checks). */
export const POLICIES = ["fcfs", "sjf", "prema", "planaria", "sdrm3", "dysta", "hasp", "isosched", "immsched"] as const;
/**
 * Reference policies: selectable like the others but reported apart and never in a default list.
 * `xrbench` is XRBench's own scheduler (assembly/policies/xrbench.ts), the engine's fidelity check.
 */
export const REFERENCE_POLICIES = ["xrbench"] as const;
/** Every policy the core knows, in the order of its ids (assembly/policies/registry.ts). */
export const ALL_POLICIES = [...POLICIES, ...REFERENCE_POLICIES] as const;
export type PolicyName = (typeof ALL_POLICIES)[number];
/** Policies whose tasks own disjoint tile sets (the others run layer by layer on the whole array). */
export const SPATIAL_POLICIES: ReadonlySet<PolicyName> = new Set(["hasp", "isosched", "immsched"]);

export interface Decision {
  commands: Command[];
  /** Deterministic work units of the decision (policy scoring and every placement solve). */
  work: number;
  /** Wall time of the call into the core, µs. */
  micros: number;
}

/** What the controller knows of a model before its tasks arrive (from the cost model). */
export interface ModelEntry {
  name: string;
  /** Estimated ns of each layer on the whole array at average sparsity. */
  layerEstNs: number[];
  /** Isolated latency on the whole array, ns. */
  isolatedNs: number;
  /** Pipeline variants for tile-spatial execution. */
  variants: Array<{
    stages: number;
    estNs: number /** Estimated energy of a run (pJ); 0 when unknown. */;
    energyPJ?: number;
    edges: Array<[number, number]>;
  }>;
}

export interface ControllerOptions {
  board: Target;
  policy: PolicyName;
  models: ModelEntry[];
  /** Work budget of one placement solve (default 200,000). */
  solveBudget?: number;
  seed?: number;
  wasmPath?: string;
  /** Size every placement by the fixed rule, even for an elastic policy (an ablation: what elastic sizing adds). */
  fixedSizing?: boolean;
  /** xrbench policy: XRBench's base tick, floor(1000 / highest FPS) ms, in ns (none: every arrival is an event). */
  tickNs?: number;
  /** Expose the core's globals so that its state can be saved and restored (snapshot/restore; recoverable.ts). */
  exposeState?: boolean;
  /** Controller knobs (assembly/controller/params.ts); unset ones keep their defaults. */
  params?: ControllerParams;
}

/**
 * The controller's tunable knobs, the host's names for assembly/controller/params.ts PARAM_*
 * (ids are their order here; test/assembly/core-tables.test.ts checks them against the core).
 */
export interface ControllerParams {
  /** Share of a task's fastest estimate that must fit before its deadline to keep it (0..2, default 0.75). */
  hopelessShare?: number;
  /** Share of the time left a pipeline may take and count as meeting the deadline (0.05..1, default 0.35). */
  slackShare?: number;
  /** Dysta's beta (0..10, default 0.01). */
  dystaBeta?: number;
  /** Most running tasks one arrival may pre-empt for its tiles (0..3, whole, default 3). */
  maxVictims?: number;
}

export const PARAM_IDS: Readonly<Record<keyof ControllerParams, number>> = {
  hopelessShare: 0,
  slackShare: 1,
  dystaBeta: 2,
  maxVictims: 3,
};

/** Each knob's range, checked here (the core, short of bytes, refuses only unknown ids). */
export const PARAM_RANGES: Readonly<Record<keyof ControllerParams, { lo: number; hi: number; whole?: boolean }>> = {
  hopelessShare: { lo: 0, hi: 2 },
  slackShare: { lo: 0.05, hi: 1 },
  dystaBeta: { lo: 0, hi: 10 },
  maxVictims: { lo: 0, hi: 3, whole: true },
};

/** Defaults of the core's knobs (assembly/controller/params.ts paramsReset). */
export const DEFAULT_PARAMS: Readonly<Required<ControllerParams>> = {
  hopelessShare: 0.75,
  slackShare: 0.35,
  dystaBeta: 0.01,
  maxVictims: 3,
};

/** The core's whole state: its linear memory and the values of its mutable globals (wasm-globals.ts). */
export interface CoreSnapshot {
  memory: Uint8Array;
  globals: Array<number | bigint>;
}

interface ControllerExports {
  memory: WebAssembly.Memory;
  ioPointer(): number;
  loadTargetMesh(w: number, h: number, torus: number): number;
  loadTargetTiles(n: number): number;
  loadTargetLinks(n: number): number;
  controllerIoInts(): number;
  controllerIoFloats(): number;
  modelsClear(): void;
  modelAdd(layers: number, isolatedNs: number): number;
  modelAddVariant(model: number, stages: number, estNs: number, energyPJ: number, edges: number): number;
  controllerStart(policy: number, budget: number, seed: number): number;
  controllerFixedSizing(): void;
  controllerArrival(id: number, model: number, priority: number, arrivalNs: number, deadlineNs: number, now: number): number;
  controllerStageDone(id: number, stage: number, measuredNs: number, now: number): number;
  controllerTaskDone(id: number, now: number): number;
  controllerCommands(): number;
  controllerCommandWords(): number;
  controllerWork(): number;
  controllerInvariants(): number;
  controllerPlacements(): number;
  controllerPreemptions(): number;
  controllerTileMap(): number;
  xrbenchTick(ns: number): void;
  debugTrap(): void;
  controllerSetParam(id: number, value: number): number;
}

/** The core's command kinds (assembly/controller/commands.ts CMD_*; test/assembly/core-tables.test.ts checks). */
export const COMMAND_KINDS: Readonly<Record<number, Command["kind"]>> = { 1: "place", 2: "preempt", 3: "resume", 4: "drop" };

export class Controller {
  readonly modelIndex = new Map<string, number>();

  private globals: WebAssembly.Global[] = [];
  private trapNext = false;

  private constructor(
    private readonly x: ControllerExports,
    readonly policy: PolicyName,
  ) {}

  static async create(opts: ControllerOptions): Promise<Controller> {
    const { bytes, names } = moduleBytes(opts);
    const { exports, instance } = await instantiate<Record<string, unknown>>(bytes, {});
    return Controller.start(exports as unknown as ControllerExports, opts, globalsOf(instance, names));
  }

  /**
   * The same, compiled synchronously (the module is small): the runtime starts a controller inside
   * a frame handler, where the next frame must already find it.
   */
  static createSync(opts: ControllerOptions): Controller {
    const { bytes, names } = moduleBytes(opts);
    const { exports, instance } = instantiateSync<Record<string, unknown>>(bytes, {});
    return Controller.start(exports as unknown as ControllerExports, opts, globalsOf(instance, names));
  }

  private static start(exports: ControllerExports, opts: ControllerOptions, globals: WebAssembly.Global[]): Controller {
    const c = new Controller(exports, opts.policy);
    c.globals = globals;
    c.loadBoard(opts.board);
    // XRBench dispatches in alphabetical order of model name: its policy ranks by model id
    const byName = (a: ModelEntry, b: ModelEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    c.loadModels(opts.policy === "xrbench" ? [...opts.models].sort(byName) : opts.models);
    const policy = (ALL_POLICIES as readonly string[]).indexOf(opts.policy);
    if (policy < 0) throw new Error(`unknown policy "${opts.policy}" (known: ${ALL_POLICIES.join(", ")})`);
    check(c.x.controllerStart(policy, opts.solveBudget ?? 200_000, (opts.seed ?? 1) >>> 0), "controller start");
    c.x.xrbenchTick(opts.tickNs ?? 0);
    if (opts.fixedSizing) c.x.controllerFixedSizing();
    c.setParams(opts.params ?? {});
    return c;
  }

  private ints(): Int32Array {
    return new Int32Array(this.x.memory.buffer, this.x.controllerIoInts(), 8192);
  }

  private loadBoard(input: Target): void {
    const t = parseTarget(input);
    if ("mesh" in t) {
      check(this.x.loadTargetMesh(t.mesh.width, t.mesh.height, t.mesh.torus ? 1 : 0), "board mesh");
    } else {
      check(this.x.loadTargetTiles(t.nodes), "board tiles");
      new Int32Array(this.x.memory.buffer, this.x.ioPointer(), t.edges.length * 2).set(t.edges.flat());
      check(this.x.loadTargetLinks(t.edges.length), "board links");
    }
  }

  private loadModels(models: ModelEntry[]): void {
    this.x.modelsClear();
    for (const m of models) {
      new Float64Array(this.x.memory.buffer, this.x.controllerIoFloats(), m.layerEstNs.length).set(m.layerEstNs);
      const id = check(this.x.modelAdd(m.layerEstNs.length, m.isolatedNs), `model ${m.name}`);
      this.modelIndex.set(m.name, id);
      for (const v of m.variants) {
        this.ints().set(v.edges.flat());
        check(this.x.modelAddVariant(id, v.stages, v.estNs, v.energyPJ ?? 0, v.edges.length), `model ${m.name} variant k=${v.stages}`);
      }
    }
  }

  private decision(count: number, t0: bigint): Decision {
    const micros = Number(process.hrtime.bigint() - t0) / 1000;
    const words = new Int32Array(this.x.memory.buffer, this.x.controllerCommands(), this.x.controllerCommandWords());
    const commands: Command[] = [];
    let at = 0;
    for (let c = 0; c < count; c++) {
      const kind = COMMAND_KINDS[words[at]!]!;
      const epoch = words[at + 1]! >>> 0;
      const taskId = words[at + 2]! >>> 0;
      const arg = words[at + 3]!;
      const n = words[at + 4]!;
      const tiles = Array.from(words.subarray(at + 5, at + 5 + n));
      at += 5 + n;
      if (kind === "place" || kind === "resume") commands.push({ kind, epoch, taskId, stages: arg, tiles });
      else if (kind === "preempt") commands.push({ kind, epoch, taskId });
      else commands.push({ kind, epoch, taskId, reason: DROP_REASON_BY_CODE.get(arg)! });
    }
    return { commands, work: this.x.controllerWork(), micros };
  }

  arrival(task: { id: number; model: string; priority: number; arrivalNs: number; deadlineNs: number }, now: number): Decision {
    const model = this.modelIndex.get(task.model) ?? -1;
    this.trapIfArmed();
    const t0 = process.hrtime.bigint();
    const n = this.x.controllerArrival(task.id >>> 0, model, task.priority, task.arrivalNs, task.deadlineNs, now);
    return this.decision(n, t0);
  }

  stageDone(id: number, stage: number, measuredNs: number, now: number): Decision {
    this.trapIfArmed();
    const t0 = process.hrtime.bigint();
    return this.decision(this.x.controllerStageDone(id >>> 0, stage, measuredNs, now), t0);
  }

  taskDone(id: number, now: number): Decision {
    this.trapIfArmed();
    const t0 = process.hrtime.bigint();
    return this.decision(this.x.controllerTaskDone(id >>> 0, now), t0);
  }

  /** 0 when the controller's state is consistent (see checkInvariants in the core). */
  invariants(): number {
    return this.x.controllerInvariants();
  }

  /** Owning task id of every tile (-1 free). */
  tileMap(): number[] {
    const n = this.x.controllerTileMap();
    return Array.from(this.ints().subarray(0, n));
  }

  get stats(): { placements: number; preemptions: number } {
    return { placements: this.x.controllerPlacements(), preemptions: this.x.controllerPreemptions() };
  }

  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** A copy of the core's state (needs `exposeState`). */
  snapshot(): CoreSnapshot {
    if (this.globals.length === 0) throw new Error("controller snapshot: create the controller with exposeState");
    return { memory: new Uint8Array(this.x.memory.buffer).slice(), globals: this.globals.map((g) => g.value) };
  }

  /** Puts the core back in the state `s` was taken in (a controller of the same module, options and models). */
  restore(s: CoreSnapshot): void {
    if (s.globals.length !== this.globals.length) throw new Error("controller restore: the snapshot is of another module");
    const grow = s.memory.byteLength - this.x.memory.buffer.byteLength;
    if (grow > 0) this.x.memory.grow(Math.ceil(grow / 65536));
    new Uint8Array(this.x.memory.buffer).set(s.memory);
    for (const [i, g] of this.globals.entries()) g.value = s.globals[i];
  }

  /** Sets knobs now (between events: an online tuner); unset ones keep their value. */
  setParams(p: ControllerParams): void {
    for (const [k, v] of Object.entries(p) as Array<[keyof ControllerParams, number | undefined]>) {
      if (v === undefined) continue;
      const id = PARAM_IDS[k];
      if (id === undefined) throw new Error(`unknown controller knob "${k}" (known: ${Object.keys(PARAM_IDS).join(", ")})`);
      const r = PARAM_RANGES[k];
      if (!(v >= r.lo && v <= r.hi) || (r.whole && !Number.isInteger(v))) {
        throw new RangeError(`controller knob ${k} = ${v} is out of range (${r.lo}..${r.hi}${r.whole ? ", whole" : ""})`);
      }
      check(this.x.controllerSetParam(id, v), `knob ${k} = ${v}`);
    }
  }

  /** Debug: the core traps at the next event (its debugTrap export runs in the event's place), before changing any state. */
  debugTrapNext(): void {
    this.trapNext = true;
  }

  /** A debug trap armed by debugTrapNext happens here, inside the core. */
  private trapIfArmed(): void {
    if (!this.trapNext) return;
    this.trapNext = false;
    this.x.debugTrap();
  }
}

function moduleBytes(opts: ControllerOptions): { bytes: Uint8Array; names: string[] } {
  const bytes = readFileSync(opts.wasmPath ?? RELEASE_WASM);
  return opts.exposeState ? exposeGlobals(bytes) : { bytes, names: [] };
}

function globalsOf(instance: WebAssembly.Instance, names: readonly string[]): WebAssembly.Global[] {
  return names.map((n) => instance.exports[n] as WebAssembly.Global);
}
