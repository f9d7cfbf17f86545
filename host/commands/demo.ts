// `immsched demo`: the first useful job with no flags. A DNN-like stage graph (stem, a
// branch-and-merge block as in ResNet/Inception, a head) is placed by the exact solver on the
// default 8x8 board with about a third of its tiles busy, and the placement is drawn.

import { Core } from "../core/core.js";
import type { Pattern, Target } from "../formats/graphs.js";
import { describeResult } from "./solve.js";
import { EXIT_OK } from "./exit.js";

/**
 * stem 0->1, block 1->{2,3}, 2->4, 3->5, {4,5}->6, head 6->7->8. Both branches have the same
 * length: on a mesh (a bipartite graph) a block whose branches differ by an odd count is an odd
 * cycle and can never be placed.
 */
export const DEMO_PATTERN: Pattern = {
  nodes: 9,
  edges: [
    [0, 1],
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
    [5, 6],
    [6, 7],
    [7, 8],
  ],
};

/** Busy tiles drawn from a small LCG so that the demo is the same for the same seed. */
export function demoTarget(seed: number, busyShare = 0.35): Target {
  let x = seed >>> 0 || 1;
  const occupied: number[] = [];
  for (let t = 0; t < 64; t++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    if (x / 2 ** 32 < busyShare) occupied.push(t);
  }
  return { mesh: { width: 8, height: 8 }, occupied };
}

export async function demoCommand(opts: { seed: number }): Promise<number> {
  const core = await Core.load();
  const target = demoTarget(opts.seed);
  core.loadTarget(target);
  core.loadPattern(DEMO_PATTERN);
  const r = core.solve({ solver: "ullmann" });
  process.stdout.write(
    `A task of ${DEMO_PATTERN.nodes} stages (a chain with a branch-and-merge block) arrives at the default 8x8 board;\n` +
      `${target.occupied!.length} of 64 tiles are busy (##).\n\n` +
      describeResult(r, DEMO_PATTERN, target) +
      "\n",
  );
  return EXIT_OK;
}
