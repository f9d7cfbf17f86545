// Every constant of the accelerator cost model in one place (docs/ARCHITECTURE.md "Cost model of the
// accelerator"). Each value says what it is, its unit and where it comes from; every one can be
// overridden (defaultConfig({...})) and a run prints the set it used (describeConfig).
//
// The board: a mesh of tiles joined by NoC links between 4-neighbours, one DRAM port. Each tile is
// a small weight-stationary (WS) PE array with its own buffer. Two ways to use it:
//  - layer-temporal: one task owns all tiles, which act as one 4096-PE WS array fed from a global
//    buffer (the world of PREMA/Dysta/SDRM3, and of XRBench's Single_4K);
//  - tile-spatial: a task's pipeline stages each own one tile (the world of IsoSched/IMMSched).
//
// Calibration (cost.ts implements the formulas): XRBench's Single_4K (4096 PEs, offchip_bw 128,
// NoC latencies 1) running its NVDLA-style WS dataflow (XRbench_evaluation/dataflows/single/WS.m:
// C and K unrolled 16 x 16, output columns X' over the remaining 16 clusters) is the reference.
// Three numbers were fitted to XRBench/MAESTRO's own isolated latencies of its 10 models
// (data/xrbench/reference_models_*.csv); the rest come from the configuration file or the
// literature. `arrayStepLatencyCycles` = 3 reproduces ASR_EM_24L, whose 1x1 layers take 4 cycles
// per WS step in MAESTRO (exactly, on both configurations); `arrayFeedBytesPerCyclePerTile` = 0.5
// (32 B/cycle into the whole array, with the sliding-window reuse of cost.ts mappedCompute) is the
// operand-distribution limit that makes ES_RITNet and HT_hand_graph_cnn_half slower than their
// MAC counts; `arrayLayerSetupCycles` = 2000 is the fixed cost of switching the array to a layer
// that makes the tiny KD_res8_narrow (8 layers, 0.040 ms) take what XRBench says. Chosen on a grid
// (feed 0.25..1 B/cycle/tile, setup 0..3000 cycles) for the most models within 1.25x on both
// configurations. Result, ours / XRBench: 15 of 18 model x hardware pairs within 1.25x, worst
// OD_D2go_FasterRCNN 1.40x (Single_4K) and PD_Plane_RCNN_Quarter 0.66x (Single_8K)
// (`immsched fidelity`; test/firmware-bridge/accelerator/anchor.test.ts guards the set).
// Nothing calibrates the tile-spatial side (no public reference runs pipelines on this board): a
// tile is the same WS engine at 8 x 8, fed by its own buffer (tileBufferBytesPerCycle), so per PE it
// is more efficient than the whole array, as layer-pipelined designs argue. Energy is not
// calibrated to XRBench either (its MAESTRO energies are 1x..36x ours): it is built from the
// per-access figures below.

/** The whole configuration of the cost model. Units are in the names. */
export interface AcceleratorConfig {
  /** A label printed with the run. */
  name: string;
  /** Mesh of tiles (default 8 x 8 = 64 tiles). */
  meshWidth: number;
  meshHeight: number;
  /** PEs per tile: 64, so the default board has 4096 PEs like XRBench's Single_4K. */
  pesPerTile: number;
  /** Clock (GHz): 1 GHz, so one cycle is one ns. */
  clockGHz: number;
  /** Bytes of one activation or weight: int8 inference. */
  bytesPerElement: number;

  // --- the WS dataflow (XRBench's WS.m, NVDLA-like) ---
  /** Largest unroll of input (C) and output (K) channels over PEs: 16 x 16 as in WS.m. */
  maxChannelUnroll: number;
  /** Cycles a whole-array WS step waits beyond its MACs: top NoC 1 + column NoC 1 + reduction 1 (Single_4K latencies), fitted. */
  arrayStepLatencyCycles: number;
  /** Cycles a one-tile WS step waits beyond its MACs: the tile's local reduction tree. */
  tileStepLatencyCycles: number;
  /** Operand-distribution bandwidth into the whole array, per tile (B/cycle): fitted, 32 B/cycle for 64 tiles. */
  arrayFeedBytesPerCyclePerTile: number;
  /** Fixed cycles to switch the whole array to the next layer (weights of its first chunk, reduction drain): fitted. */
  arrayLayerSetupCycles: number;
  /** A tile's local buffer port into its own PEs (B/cycle): one 64-bit SRAM word per cycle. */
  tileBufferBytesPerCycle: number;

  // --- memories and NoC ---
  /** DRAM bandwidth of the single port (B/cycle): Single_4K offchip_bw 128. */
  dramBytesPerCycle: number;
  /** Global buffer of the array (B): Single_4K global_shared_memory 4 MiB. */
  globalBufferBytes: number;
  /** PE-local memory (B): Single_4K PE_local_memory 8 KiB; a tile's 64 PEs hold 512 KiB of stationary weights. */
  peLocalBytes: number;
  /** A tile's activation buffer (B): Single_4K's 4 MiB global buffer split over 64 tiles. */
  tileBufferBytes: number;
  /** NoC link width (B/cycle): 256-bit links, a common flit width (Single_4K's top NoC moves 256 elements/cycle in all). */
  nocLinkBytesPerCycle: number;
  /** Latency of one NoC hop (cycles): router 1 + link 1 (Single_4K gives 1 cycle per NoC level). */
  nocHopCycles: number;

  // --- tile-spatial pipelines ---
  /** Fewest output rows of the first layer in one data tile (a data tile is a band of rows): bounds the data-tile count. */
  dataTileRows: number;
  /** Most data tiles a pipeline splits one input into. */
  maxDataTiles: number;
  /** Fixed cost per data tile per stage (cycles): DMA descriptor, array drain and refill. */
  dataTileOverheadCycles: number;
  /** Fixed cost of a checkpoint (cycles): drain the pipeline, program the DMA. */
  checkpointFixedCycles: number;

  // --- sparsity ---
  /** Share of zero-activation MACs the PEs skip (zero gating / skipping, as in Eyeriss v2 / SCNN). */
  zeroSkipEfficiency: number;

  // --- energy (pJ) ---
  /** One 8-bit MAC with 32-bit accumulate: Horowitz, ISSCC 2014, 45 nm: 8b mult 0.2 + 32b add 0.1 pJ. */
  macPJ: number;
  /** Tile buffer access per byte: Horowitz 2014, 32 KB SRAM 20 pJ per 64-bit word = 2.5 pJ/B. */
  tileSramPJPerByte: number;
  /** Global buffer access per byte: Horowitz 2014, 1 MB SRAM 100 pJ per 64-bit word = 12.5 pJ/B. */
  globalBufferPJPerByte: number;
  /** DRAM access per byte: Horowitz 2014, 1.3-2.6 nJ per 64-bit access; the low end, 20 pJ/bit = 160 pJ/B. */
  dramPJPerByte: number;
  /**
   * Moving one byte over one NoC hop: on-chip wires cost about 0.1 pJ/bit/mm (Horowitz 2014, Dally's
   * "data movement" figures); with a ~1 mm tile pitch that is 0.8 pJ/B, Eyeriss's "NoC ~2x a MAC"
   * (Chen et al., ISCA 2016) gives the same order.
   */
  nocPJPerByteHop: number;
}

const DEFAULTS: AcceleratorConfig = {
  name: "default 8x8 (Single_4K-like)",
  meshWidth: 8,
  meshHeight: 8,
  pesPerTile: 64,
  clockGHz: 1,
  bytesPerElement: 1,
  maxChannelUnroll: 16,
  arrayStepLatencyCycles: 3,
  tileStepLatencyCycles: 1,
  arrayFeedBytesPerCyclePerTile: 0.5,
  arrayLayerSetupCycles: 2000,
  tileBufferBytesPerCycle: 8,
  dramBytesPerCycle: 128,
  globalBufferBytes: 4 * 1024 * 1024,
  peLocalBytes: 8 * 1024,
  tileBufferBytes: 64 * 1024,
  nocLinkBytesPerCycle: 32,
  nocHopCycles: 2,
  dataTileRows: 4,
  maxDataTiles: 64,
  dataTileOverheadCycles: 128,
  checkpointFixedCycles: 500,
  zeroSkipEfficiency: 0.75,
  macPJ: 0.3,
  tileSramPJPerByte: 2.5,
  globalBufferPJPerByte: 12.5,
  dramPJPerByte: 160,
  nocPJPerByteHop: 0.8,
};

/** What each constant is measured in (printing and docs). */
export const UNITS: Record<keyof AcceleratorConfig, string> = {
  name: "",
  meshWidth: "tiles",
  meshHeight: "tiles",
  pesPerTile: "PEs",
  clockGHz: "GHz",
  bytesPerElement: "B",
  maxChannelUnroll: "channels",
  arrayStepLatencyCycles: "cycles/step",
  tileStepLatencyCycles: "cycles/step",
  arrayFeedBytesPerCyclePerTile: "B/cycle/tile",
  arrayLayerSetupCycles: "cycles",
  tileBufferBytesPerCycle: "B/cycle",
  dramBytesPerCycle: "B/cycle",
  globalBufferBytes: "B",
  peLocalBytes: "B",
  tileBufferBytes: "B",
  nocLinkBytesPerCycle: "B/cycle",
  nocHopCycles: "cycles",
  dataTileRows: "rows",
  maxDataTiles: "",
  dataTileOverheadCycles: "cycles",
  checkpointFixedCycles: "cycles",
  zeroSkipEfficiency: "",
  macPJ: "pJ",
  tileSramPJPerByte: "pJ/B",
  globalBufferPJPerByte: "pJ/B",
  dramPJPerByte: "pJ/B",
  nocPJPerByteHop: "pJ/B/hop",
};

const INTEGER_FIELDS: ReadonlySet<keyof AcceleratorConfig> = new Set([
  "meshWidth",
  "meshHeight",
  "pesPerTile",
  "maxChannelUnroll",
  "maxDataTiles",
]);

/** The default configuration with `overrides` applied; throws RangeError naming a bad field. */
export function defaultConfig(overrides: Partial<AcceleratorConfig> = {}): AcceleratorConfig {
  const cfg: AcceleratorConfig = { ...DEFAULTS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof AcceleratorConfig, unknown]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULTS)) throw new RangeError(`accelerator config: unknown field "${String(key)}"`);
    if (key === "name") {
      if (typeof value !== "string") throw new RangeError('accelerator config: field "name" must be a string');
      cfg.name = value;
      continue;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(`accelerator config: field "${key}" must be a finite number`);
    }
    if (INTEGER_FIELDS.has(key) && !Number.isInteger(value)) {
      throw new RangeError(`accelerator config: field "${key}" must be an integer, got ${value}`);
    }
    const zeroOk =
      key === "zeroSkipEfficiency" ||
      key.endsWith("LatencyCycles") ||
      key.endsWith("OverheadCycles") ||
      key === "checkpointFixedCycles" ||
      key === "nocHopCycles" ||
      key.endsWith("PJ") ||
      key.includes("PJPer");
    if (value < 0 || (value === 0 && !zeroOk)) {
      throw new RangeError(`accelerator config: field "${key}" must be ${zeroOk ? ">= 0" : "> 0"}, got ${value}`);
    }
    if (key === "zeroSkipEfficiency" && value > 1) {
      throw new RangeError(`accelerator config: field "zeroSkipEfficiency" must be in 0..1, got ${value}`);
    }
    (cfg as unknown as Record<string, number>)[key] = value;
  }
  return cfg;
}

export function tileCountOf(cfg: AcceleratorConfig): number {
  return cfg.meshWidth * cfg.meshHeight;
}

export function totalPEs(cfg: AcceleratorConfig): number {
  return tileCountOf(cfg) * cfg.pesPerTile;
}

/** ns per cycle. */
export function cycleNs(cfg: AcceleratorConfig): number {
  return 1 / cfg.clockGHz;
}

/** Stationary weights one tile can hold (B): its PEs' local memories. */
export function tileWeightCapacityBytes(cfg: AcceleratorConfig): number {
  return cfg.peLocalBytes * cfg.pesPerTile;
}

/** The configuration as aligned "name = value unit" lines, marking values that differ from the defaults. */
export function describeConfig(cfg: AcceleratorConfig): string {
  const keys = Object.keys(DEFAULTS) as Array<keyof AcceleratorConfig>;
  const width = Math.max(...keys.map((k) => k.length));
  const lines = [`accelerator: ${cfg.name} — ${tileCountOf(cfg)} tiles, ${totalPEs(cfg)} PEs, ${cfg.clockGHz} GHz`];
  for (const k of keys) {
    if (k === "name") continue;
    const changed = cfg[k] !== DEFAULTS[k] ? "  (overridden)" : "";
    lines.push(`  ${k.padEnd(width)} = ${String(cfg[k])} ${UNITS[k]}${changed}`.trimEnd());
  }
  return lines.join("\n");
}
