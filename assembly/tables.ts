// The core's ids, exported by the debug build only (a second entry file: scripts/build-core.js):
// the host's tables (host/core/controller.ts, the wire's DROP_REASON_CODES, host/formats/graphs.ts)
// are checked against them (test/assembly/core-tables.test.ts) rather than trusted to agree. The
// release build does not carry them: as exported globals they cost 503 bytes of its 20 KiB, and
// the host never reads them at run time. Both builds compile the same constants from one source.

export { MAX_TILES, MAX_STAGES } from "./graph";
/** Solver ids of `solve`: exact Ullmann, the IMMSched particles, the portfolio (portfolio.ts). */
export { SOLVER_ULLMANN, SOLVER_PSO, SOLVER_AUTO, SOLVER_MORE } from "./portfolio";
/** Policy ids of controllerStart. */
export {
  POLICY_FCFS, POLICY_SJF, POLICY_PREMA, POLICY_PLANARIA, POLICY_SDRM3, POLICY_DYSTA, POLICY_HASP, POLICY_ISOSCHED,
  POLICY_IMMSCHED, POLICY_XRBENCH, POLICY_COUNT,
} from "./policies/registry";
/** Command kinds and drop reasons of the command queue. */
export {
  CMD_PLACE, CMD_PREEMPT, CMD_RESUME, CMD_DROP, DROP_DEADLINE, DROP_QUEUE_FULL, DROP_UNPLACEABLE, DROP_UNKNOWN_MODEL,
} from "./controller/commands";
