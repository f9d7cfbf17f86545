// The cost model against hand-computed values on tiny layers and pipelines (formulas in
// firmware-bridge/accelerator/cost.ts, constants in constants.ts).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { defaultConfig, describeConfig, totalPEs, tileCountOf } from "../../../firmware-bridge/accelerator/constants.js";
import {
  arrayMapping,
  bestDataTiles,
  minDataTiles,
  checkpointCost,
  conv,
  dataTileChoices,
  layerMacs,
  layerShape,
  mappedCompute,
  meanMeshHops,
  pipelineProfile,
  temporalLayerAt,
  temporalLayerCost,
  tileLayerCost,
  tileMapping,
  type PipelineStage,
} from "../../../firmware-bridge/accelerator/cost.js";

const cfg = defaultConfig();
const tiny = conv("tiny", { K: 2, C: 3, Y: 4, X: 5, R: 3, S: 3 });

describe("layer work", () => {
  it("MACs = N*K*C*(Y-R+1)*(X-S+1)*R*S", () => {
    expect(layerMacs(tiny)).toBe(1 * 2 * 3 * 2 * 3 * 3 * 3); // 324
    expect(layerMacs(conv("b", { N: 2, K: 4, C: 1, Y: 3, X: 3, R: 1, S: 1 }))).toBe(2 * 4 * 1 * 3 * 3);
  });

  it("strides divide the output map, (Y-R)/stride+1", () => {
    const l = conv("s2", { K: 8, C: 4, Y: 9, X: 7, R: 3, S: 3, stride: 2 });
    expect(layerShape(l)).toMatchObject({ Yo: 4, Xo: 3 });
    expect(layerMacs(l)).toBe(8 * 4 * 4 * 3 * 9);
  });

  it("a kernel larger than its input gives one output position and only the taps that touch the input", () => {
    const l = conv("pad", { K: 128, C: 128, Y: 2, X: 2, R: 3, S: 3 }); // as in HT_hand_graph_cnn_half
    expect(layerShape(l)).toMatchObject({ Yo: 1, Xo: 1, Re: 2, Se: 2 });
    expect(layerMacs(l)).toBe(128 * 128 * 4);
  });

  it("depthwise layers read one input channel per output", () => {
    const l = { ...conv("dw", { K: 32, C: 32, Y: 10, X: 10, R: 3, S: 3 }), kind: "DSCONV" as const };
    expect(layerMacs(l)).toBe(32 * 8 * 8 * 9);
  });
});

describe("the WS mappings (XRBench WS.m)", () => {
  it("spread 4096 PEs as 16 x 16 channels x 16 output columns, and a 64-PE tile as 8 x 8 x 1", () => {
    expect(totalPEs(cfg)).toBe(4096);
    expect(arrayMapping(cfg)).toMatchObject({ cUnroll: 16, kUnroll: 16, xUnroll: 16, feedBytesPerCycle: 32, stepLatencyCycles: 3 });
    expect(tileMapping(cfg)).toMatchObject({ cUnroll: 8, kUnroll: 8, xUnroll: 1, feedBytesPerCycle: 8, stepLatencyCycles: 1 });
  });

  it("count steps and cycles of a tiny layer by hand", () => {
    // steps = 1 * ceil(2/16) * ceil(3/16) * 2 rows * ceil(3/16) = 2
    // traffic per step = 3 channels * 3 rows * (3 columns + 3 - 1 shared window columns) + 3 columns * 2 outputs
    // = 51 B, / 32 B/cycle < 9 taps
    const m = mappedCompute(tiny, arrayMapping(cfg), cfg);
    expect(m.steps).toBe(2);
    expect(m.stepCycles).toBe(9 + 3);
    expect(m.cycles).toBe(24);
    expect(m.onChipBytes).toBe(2 * 51 + 54); // + the 2*3*9 weights once
  });

  it("a traffic-bound step lasts traffic / feed bandwidth", () => {
    // 1x1, 16 columns x 16 channels in + 16 x 16 partial sums out = 512 B per step at 32 B/cycle = 16 cycles
    const l = conv("pw", { K: 16, C: 16, Y: 1, X: 16, R: 1, S: 1 });
    expect(mappedCompute(l, arrayMapping(cfg), cfg).stepCycles).toBe(16 + 3);
  });

  it("a wide kernel's neighbouring columns share their window: traffic grows with S, not S x columns", () => {
    // 16 columns of a 1x5 kernel over 16 channels: 16 * 1 * (16 + 4) = 320 inputs + 16 partial sums
    // = 336 B, 10.5 cycles at 32 B/cycle, longer than the 5 taps
    const l = conv("wide", { K: 1, C: 16, Y: 1, X: 20, R: 1, S: 5 });
    expect(mappedCompute(l, arrayMapping(cfg), cfg).stepCycles).toBe(336 / 32 + 3);
  });
});

describe("layer-temporal time and energy", () => {
  it("match the hand computation on the tiny layer", () => {
    const c = temporalLayerCost(tiny, cfg);
    const dram = 60 + 12 + 54; // input 3*4*5, output 2*2*3, weights 2*3*9 (int8)
    expect(c.dramBytes).toBe(dram);
    expect(c.computeNs).toBe(24);
    expect(c.setupNs).toBe(2000);
    expect(c.dramNs).toBeCloseTo(dram / 128, 12);
    const hops = meanMeshHops(8, 8);
    expect(hops).toBeCloseTo(2 * (63 / 24), 12);
    const r = temporalLayerAt(c, 1);
    expect(r.ns).toBe(24 + 2000); // compute-bound, after the array's switch to the layer
    expect(r.energyPJ).toBeCloseTo(324 * 0.3 + 156 * (12.5 + 0.8 * hops) + dram * 160, 9);
  });

  it("are DRAM-bound when DRAM is slow, and sparsity scales only compute", () => {
    const slow = defaultConfig({ dramBytesPerCycle: 1 });
    const c = temporalLayerCost(tiny, slow);
    expect(c.dramNs).toBe(126);
    expect(temporalLayerAt(c, 1).ns).toBe(126 + 2000);
    expect(temporalLayerAt(temporalLayerCost(tiny, cfg), 0.5).ns).toBe(12 + 2000);
    expect(temporalLayerAt(c, 0.5).energyPJ).toBeCloseTo(temporalLayerAt(c, 1).energyPJ - 0.5 * 324 * 0.3, 9);
  });

  it("on one tile: 8x8 channels, one column per step, the tile's 8 B/cycle port", () => {
    const t = tileLayerCost(tiny, cfg);
    // steps = 1*1*2*3 = 6; traffic = 1*3*9 + 1*2 = 29 B -> 3.6 cycles < 9; step = 9 + 1
    expect(t.computeNs).toBe(60);
    expect(t.weightBytes).toBe(54);
    expect(t.inBytes).toBe(60);
    expect(t.outBytes).toBe(12);
  });
});

const stage = (computeNs: number, extra: Partial<PipelineStage> = {}): PipelineStage => ({
  computeNs,
  energyPJ: 0,
  weightBytes: 0,
  dramInBytes: 0,
  dramOutBytes: 0,
  activationBytes: 0,
  innerBytes: 0,
  ...extra,
});

describe("tile-spatial pipelines", () => {
  it("a 3-stage chain: fill + (D-1) * slowest + hops, stage by stage", () => {
    const edges = [
      { from: 0, to: 1, bytes: 0 },
      { from: 1, to: 2, bytes: 0 },
    ];
    const p = pipelineProfile([stage(1000), stage(3000), stage(2000)], edges, 4, cfg);
    // per data tile: 250/750/500 ns + 128 cycles of data-tile overhead; a hop is 2 cycles
    const t = [378, 878, 628];
    expect(p.beatNs).toBe(878);
    expect(p.totalNs).toBe(378 + 878 + 628 + 3 * 878 + 2 * 2);
    expect(p.stageDoneNs).toEqual([4 * 378, 378 + 2 + 4 * 878, 378 + 2 + 4 * 878 + 2 + 628]);
    expect(p.stageBusyNs).toEqual(t.map((x) => 4 * x));
    expect(p.stages).toBe(3);
  });

  it("equals the closed form on any chain without weights or DRAM traffic (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (ns, d) => {
        const edges = ns.slice(1).map((_, i) => ({ from: i, to: i + 1, bytes: 0 }));
        const p = pipelineProfile(
          ns.map((x) => stage(x)),
          edges,
          d,
          cfg,
        );
        const t = ns.map((x) => x / d + 128);
        const closed = t.reduce((a, b) => a + b, 0) + (d - 1) * Math.max(...t) + (ns.length - 1) * 2;
        expect(p.totalNs).toBeCloseTo(closed, 6);
        for (let i = 1; i < p.stageDoneNs.length; i++) expect(p.stageDoneNs[i]!).toBeGreaterThan(p.stageDoneNs[i - 1]!);
        expect(p.totalNs).toBe(p.stageDoneNs.at(-1));
      }),
      { numRuns: 200 },
    );
  });

  it("waits for resident weights, streams or spills the rest, and is link-bound on big edges", () => {
    const cap = 8 * 1024 * 64; // 512 KiB per tile
    const share = 128 / 64; // B/ns per tile of the single DRAM port
    const one = pipelineProfile([stage(1000, { weightBytes: 4096 })], [], 1, cfg);
    expect(one.totalNs).toBeCloseTo(4096 / share + 1000 + 128, 9);
    // 1000 B of weights do not fit: re-streamed for each of 2 data tiles, as spilling 1 MB of inner activations costs more
    const big = pipelineProfile([stage(1000, { weightBytes: cap + 1000, innerBytes: 1e6 })], [], 2, cfg);
    expect(big.beatNs).toBeCloseTo(Math.max(500 + 128, 1000 / share), 9);
    expect(big.energyPJ).toBeCloseTo((cap + 2 * 1000) * 160, 6);
    // with nothing to spill, the stage runs layer by layer and loads those weights once
    const seq = pipelineProfile([stage(1000, { weightBytes: cap + 1000 })], [], 2, cfg);
    expect(seq.energyPJ).toBeCloseTo((cap + 1000) * 160, 6);
    const link = pipelineProfile([stage(100), stage(100)], [{ from: 0, to: 1, bytes: 32 * 10_000 }], 1, cfg);
    expect(link.beatNs).toBe(10_000); // 320 kB over a 32 B/cycle link
  });

  it("on a branch-and-merge stage graph reports stages done in order and ends at the sink", () => {
    const edges = [
      { from: 0, to: 1, bytes: 0 },
      { from: 0, to: 2, bytes: 0 },
      { from: 1, to: 3, bytes: 0 },
      { from: 2, to: 3, bytes: 0 },
    ];
    const p = pipelineProfile([stage(100), stage(5000), stage(200), stage(100)], edges, 2, cfg);
    for (let i = 1; i < 4; i++) expect(p.stageDoneNs[i]!).toBeGreaterThanOrEqual(p.stageDoneNs[i - 1]!);
    expect(p.totalNs).toBe(p.stageDoneNs[3]);
    expect(p.totalNs).toBeGreaterThan(2 * (2500 + 128));
  });

  it("refuses edges that go backwards", () => {
    expect(() => pipelineProfile([stage(1), stage(1)], [{ from: 1, to: 0, bytes: 0 }], 1, cfg)).toThrow(/not forward/);
  });

  it("checkpoints one data tile per stage edge through the task's DRAM share", () => {
    const ck = checkpointCost(
      [
        { from: 0, to: 1, bytes: 4096 },
        { from: 1, to: 2, bytes: 8192 },
      ],
      4,
      3,
      cfg,
    );
    expect(ck.bytes).toBe(3072);
    expect(ck.ns).toBeCloseTo(500 + 3072 / ((128 * 3) / 64), 9);
    expect(ck.energyPJ).toBeCloseTo(3072 * (160 + 2.5), 9);
  });

  it("streams enough data tiles for every stage's largest layer to fit its tile buffer", () => {
    const fat = [stage(1000, { activationBytes: 5 * 64 * 1024 }), stage(1000)];
    expect(minDataTiles(fat, cfg)).toBe(5);
    const edges = [{ from: 0, to: 1, bytes: 0 }];
    expect(bestDataTiles(fat, edges, 64, cfg).dataTiles).toBeGreaterThanOrEqual(8);
    // with nothing to stream the weights for, the lowest energy-delay product is the shortest pipeline
    const lean = [stage(100_000, { energyPJ: 1 }), stage(100_000, { energyPJ: 1 })];
    const best = bestDataTiles(lean, edges, 64, cfg);
    expect(best.dataTiles).toBe(16); // 64 rows in bands of at least 4
    expect(best.profile.totalNs).toBe(pipelineProfile(lean, edges, 16, cfg).totalNs);
    expect(best.profile.totalNs).toBeLessThan(pipelineProfile(lean, edges, 8, cfg).totalNs);
  });

  it("offers powers of two of data tiles, bands of at least dataTileRows rows", () => {
    expect(dataTileChoices(158, cfg)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(dataTileChoices(3, cfg)).toEqual([1]);
    expect(dataTileChoices(10_000, cfg)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });
});

describe("configuration", () => {
  it("defaults to 8x8 tiles of 64 PEs at 1 GHz, and applies overrides", () => {
    expect(tileCountOf(cfg)).toBe(64);
    expect(cfg.clockGHz).toBe(1);
    const c = defaultConfig({ meshWidth: 4, dramBytesPerCycle: 32 });
    expect(tileCountOf(c)).toBe(32);
    expect(c.dramBytesPerCycle).toBe(32);
    expect(cfg.dramBytesPerCycle).toBe(128); // defaults untouched
  });

  it("names the bad field of an override", () => {
    expect(() => defaultConfig({ macPJ: -1 })).toThrow(/macPJ/);
    expect(() => defaultConfig({ meshWidth: 2.5 })).toThrow(/meshWidth.*integer/);
    expect(() => defaultConfig({ zeroSkipEfficiency: 2 })).toThrow(/zeroSkipEfficiency/);
    expect(() => defaultConfig({ bogus: 1 } as never)).toThrow(/unknown field "bogus"/);
  });

  it("prints every constant with its unit and marks overrides", () => {
    const text = describeConfig(defaultConfig({ nocHopCycles: 5 }));
    expect(text).toMatch(/4096 PEs/);
    expect(text).toMatch(/dramPJPerByte\s+= 160 pJ\/B/);
    expect(text).toMatch(/nocHopCycles\s+= 5 cycles {2}\(overridden\)/);
    expect(text.split("\n").length).toBeGreaterThan(20);
  });
});
