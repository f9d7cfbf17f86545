// What `immsched bench --trace DIR` writes beside each run's IR lines: the header of a simulated
// run (virtual clock, the model that executes it), and the file a run goes to.

import { join } from "node:path";
import { SPATIAL_POLICIES, type PolicyName } from "../core/controller.js";
import { type Target, tileCount } from "../formats/graphs.js";
import type { XrbenchNetwork } from "../workloads/xrbench.js";
import { xrbenchLastFrameNs, xrbenchTickNs } from "../workloads/xrbench-run.js";
import { type HeaderLine, TRACE_FORMAT, TRACE_VERSION } from "./ir.js";

export interface BenchTraceRun {
  label: string;
  policy: PolicyName;
  seed: number;
  board: Target;
  nsPerWork: number;
  decisionTime?: "work" | "measured";
  /** Present when the run is XRBench's own (the xrbench policy on an XRBench scenario): scored up to its last event. */
  xrbench?: { networks: XrbenchNetwork[]; durationMs: number };
  /** Model variants were on. */
  modelVariants?: boolean;
}

export function benchTraceHeader(r: BenchTraceRun): HeaderLine {
  return {
    op: "header",
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    source: "bench",
    clock: "virtual",
    scenario: r.label,
    policy: r.policy,
    seed: r.seed,
    board: r.board,
    machine: SPATIAL_POLICIES.has(r.policy) ? "spatial" : "temporal",
    tiles: tileCount(r.board),
    nsPerWork: r.nsPerWork,
    decisionTime: r.decisionTime ?? "work",
    ...(r.modelVariants ? { modelVariants: true as const } : {}),
    ...(r.xrbench
      ? {
          xrbench: { lastFrameNs: xrbenchLastFrameNs(r.xrbench.networks, r.xrbench.durationMs), tickNs: xrbenchTickNs(r.xrbench.networks) },
        }
      : {}),
  };
}

/** DIR/<scenario>.<policy>.seed<N>.jsonl, the scenario label made file-safe ("dysta@400/s" -> "dysta@400-s"). */
export function benchTraceFile(dir: string, label: string, policy: string, seed: number): string {
  const safe = label.replace(/[^A-Za-z0-9_.@-]+/g, "-");
  return join(dir, `${safe}.${policy}.seed${seed}.jsonl`);
}
