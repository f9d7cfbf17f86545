// The model-variant tests' workload: the Dysta recipe at 800/s over four XRBench models for 100 ms,
// enough load that the selector narrows widths. Written as a scenario file into `dir`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeDystaOverload(dir: string): string {
  const f = join(dir, "d800.json");
  writeFileSync(
    f,
    JSON.stringify({
      version: 1,
      recipe: "dysta",
      rate: 800,
      sloMult: 10,
      durationMs: 100,
      models: ["ES_RITNet", "GE_FBNet_C", "KD_res8_narrow", "HT_hand_graph_cnn_half"],
    }),
  );
  return f;
}
