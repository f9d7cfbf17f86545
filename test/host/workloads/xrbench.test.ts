// The XRBench scenario reader on every shared file as it is (the project's verbatim copies), and on broken inputs whose errors
// must name the file, the line and what was expected.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseXrbench, readXrbenchFile } from "../../../host/workloads/xrbench.js";
import { InputError } from "../../../host/formats/input-error.js";
import { layerMacs } from "../../../firmware-bridge/accelerator/cost.js";

const SHARED = fileURLToPath(new URL("../../../../shared/data/xrbench/", import.meta.url));
const PROJECT = fileURLToPath(new URL("../../../data/xrbench/", import.meta.url));
const files = readdirSync(PROJECT)
  .filter((f) => f.endsWith(".m"))
  .sort();

/** Layer count of each network, counted from the raw text without the parser. */
function countLayers(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const chunks = text.split(/^\s*Network\s+/m).slice(1);
  for (const c of chunks) out.set(c.split(/\s/)[0]!, (c.match(/^\s*Layer\s+/gm) ?? []).length);
  return out;
}

const EXPECTED: Record<string, Array<[string, number, number]>> = {
  // [network, FPS, layers]
  "AR_gaming.m": [
    ["HT_hand_graph_cnn_half", 45, 224],
    ["DE_midas_v21_small", 30, 92],
    ["PD_Plane_RCNN_Quarter", 15, 153],
  ],
  "VR_gaming.m": [
    ["ES_RITNet", 60, 42],
    ["GE_FBNet_C", 60, 63],
    ["HT_hand_graph_cnn_half", 45, 224],
  ],
  "outdoor_activity_A.m": [
    ["KD_res8_narrow", 3, 8],
    ["ASR_EM_24L", 3, 120],
    ["SS_HRViT_b1", 10, 423],
    ["OD_D2go_FasterRCNN", 30, 138],
  ],
  "outdoor_activity_B.m": [
    ["KD_res8_narrow", 3, 8],
    ["ASR_EM_24L", 3, 120],
    ["D2go_FastRCNN", 30, 138],
  ],
};

describe("XRBench files as they are", () => {
  it("the project's data/xrbench holds verbatim copies of every shared file, with the licence", () => {
    expect(files).toEqual(["AR_gaming.m", "Single_4K.m", "Single_8K.m", "VR_gaming.m", "outdoor_activity_A.m", "outdoor_activity_B.m"]);
    // beside the shared data (a developer's checkout), the copies must still be verbatim; a CI
    // clone on its own has only the project's copies, which every other test here reads
    if (existsSync(SHARED)) {
      expect(files).toEqual(
        readdirSync(SHARED)
          .filter((f) => f.endsWith(".m"))
          .sort(),
      );
      for (const f of files) expect(readFileSync(PROJECT + f, "utf8")).toBe(readFileSync(SHARED + f, "utf8"));
    }
    expect(readFileSync(`${PROJECT}LICENSE`, "utf8")).toMatch(/MIT License[\s\S]*Copyright \(c\) 2023 XRBench/);
  });

  for (const f of files) {
    it(`${f}: networks, FPS and layer counts match the file`, () => {
      const parsed = readXrbenchFile(PROJECT + f);
      expect(parsed.file).toBe(PROJECT + f);
      const counted = countLayers(readFileSync(PROJECT + f, "utf8"));
      expect(parsed.networks.map((n) => n.name)).toEqual([...counted.keys()]);
      for (const n of parsed.networks) {
        expect(n.layers.length, n.name).toBe(counted.get(n.name));
        for (const l of n.layers) {
          expect(l.kind).toBe("CONV");
          expect(layerMacs(l)).toBeGreaterThan(0);
        }
      }
      const expected = EXPECTED[f];
      if (expected) expect(parsed.networks.map((n) => [n.name, n.fps, n.layers.length])).toEqual(expected);
      else expect(parsed.networks).toEqual([]); // the hardware files
    });
  }

  it("reads dependencies and probabilities", () => {
    const vr = readXrbenchFile(`${PROJECT}VR_gaming.m`).networks;
    expect(vr.map((n) => [n.dependency, n.probability])).toEqual([
      [undefined, 1],
      ["ES_RITNet", 1],
      [undefined, 1],
    ]);
    const oa = readXrbenchFile(`${PROJECT}outdoor_activity_A.m`).networks;
    expect(oa[1]).toMatchObject({ name: "ASR_EM_24L", dependency: "KD_res8_narrow", probability: 0.2, line: 47 });
  });

  it("reads the first layer of ES_RITNet exactly", () => {
    const l = readXrbenchFile(`${PROJECT}VR_gaming.m`).networks[0]!.layers[0]!;
    expect(l).toEqual({ name: "conv1", kind: "CONV", N: 1, K: 32, C: 32, Y: 160, X: 100, R: 3, S: 3, strideY: 1, strideX: 1 });
  });

  it("reads the accelerator files", () => {
    const a = readXrbenchFile(`${PROJECT}Single_4K.m`).accelerators;
    expect(a).toHaveLength(1);
    expect(a[0]!.settings).toMatchObject({ num_pes: 4096, offchip_bw: 128, top_noc_multicast: true, global_shared_memory: 4194304 });
    expect(readXrbenchFile(`${PROJECT}Single_8K.m`).accelerators[0]!.settings.num_pes).toBe(8192);
  });

  it("accepts MAESTRO's variants: Dimensions without ':', Stride, DSCONV, comments, FPS:3", () => {
    const f = parseXrbench(
      "/* a block comment\n over lines */\nNetwork A {\nFPS:3\nLayer l1 { Type: DSCONV Dimensions { K: 8, C: 8, Y: 9, X: 9, R: 3, S: 3 } Stride { X: 2, Y: 2 } }\n}\n",
      "x.m",
    );
    expect(f.networks[0]!.layers[0]).toMatchObject({ kind: "DSCONV", N: 1, strideX: 2, strideY: 2 });
  });
});

/** The InputError a parse throws. */
function errorOf(text: string): InputError {
  try {
    parseXrbench(text, "bad.m");
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

const GOOD = `Network A {
FPS: 30
Layer l1 {
  Type: CONV
  Dimensions: { N: 1, K: 4, C: 3, Y: 8, X: 8, R: 3, S: 3 }
}
}
`;

describe("broken XRBench input names file, line and what was expected", () => {
  it("a file cut in the middle of a layer", () => {
    const vr = readFileSync(`${PROJECT}VR_gaming.m`, "utf8");
    const cut = vr.slice(0, vr.indexOf("Dimensions", 2000) + 14);
    const e = errorOf(cut);
    expect(e.file).toBe("bad.m");
    expect(e.line).toBe(cut.split("\n").length);
    expect(e.message).toMatch(
      /^bad\.m:\d+: unexpected end of file: expected '}' to close the Dimensions of layer \S+ of network ES_RITNet/,
    );
  });

  it("a file cut after a layer, before its network closes", () => {
    const e = errorOf(GOOD.slice(0, GOOD.lastIndexOf("}")));
    expect(e.reason).toMatch(/expected '}' to close network A \(opened at line 1\)/);
  });

  it("a bad number", () => {
    const e = errorOf(GOOD.replace("FPS: 30", "FPS: 3o"));
    expect(e.line).toBe(2);
    expect(e.reason).toBe("expected a number for FPS of network A, got '3o'");
    expect(errorOf(GOOD.replace("K: 4", "K: 4.5")).reason).toMatch(/positive integer for K/);
    expect(errorOf(GOOD.replace("K: 4", "K: 0")).line).toBe(5);
  });

  it("an unknown field, in a network, a layer and the dimensions", () => {
    const net = errorOf(GOOD.replace("FPS: 30", "FPS: 30\nPriority: 2"));
    expect(net.line).toBe(3);
    expect(net.reason).toMatch(/unknown field 'Priority' in network A \(expected FPS, Dependency, Probability or Layer\)/);
    const layer = errorOf(GOOD.replace("Type: CONV", "Type: CONV\n  Padding: 1"));
    expect(layer.line).toBe(5);
    expect(layer.reason).toMatch(/unknown field 'Padding' in layer l1 of network A \(expected Type, Dimensions or Stride\)/);
    const dim = errorOf(GOOD.replace("N: 1", "G: 1"));
    expect(dim.reason).toMatch(/unknown field 'G' in the Dimensions of layer l1 .*expected N, K, C, Y, X, R, S/);
  });

  it("missing pieces", () => {
    expect(errorOf(GOOD.replace("FPS: 30\n", "")).reason).toMatch(/network A \(line 1\) has no FPS/);
    expect(errorOf(GOOD.replace("R: 3, ", "")).reason).toMatch(/layer l1 of network A lacks dimension R/);
    expect(errorOf(GOOD.replace("  Type: CONV\n", "")).reason).toMatch(/has no Type/);
    expect(errorOf("Network A {\nFPS: 1\n}\n").reason).toMatch(/has no layers/);
    expect(errorOf(GOOD.replace("FPS:", "FPS")).reason).toBe("expected ':' after FPS, got '30'");
  });

  it("bad values and references", () => {
    expect(errorOf(GOOD.replace("CONV", "POOL")).reason).toMatch(/unknown layer type 'POOL' .*expected CONV or DSCONV/);
    expect(errorOf(GOOD.replace("FPS: 30", "FPS: 30\nProbability: 1.5")).reason).toMatch(/must be in 0\.\.1/);
    const dep = errorOf(GOOD.replace("FPS: 30", "FPS: 30\nDependency: {\n  Ghost\n}"));
    expect(dep.line).toBe(4);
    expect(dep.reason).toMatch(/network A depends on unknown network 'Ghost'/);
    expect(errorOf(GOOD + GOOD).reason).toMatch(/network A is defined twice/);
    expect(errorOf(`${GOOD}Layer x {}`).reason).toMatch(/expected 'Network' or 'Accelerator', got 'Layer'/);
    const junk = errorOf(GOOD.replace("Layer l1", "Layer l1 #"));
    expect(junk.line).toBe(3);
    expect(junk.reason).toBe("unexpected character '#'");
  });

  it("a missing file", () => {
    expect(() => readXrbenchFile("/nonexistent/x.m")).toThrow(/\/nonexistent\/x\.m: cannot read/);
  });
});
