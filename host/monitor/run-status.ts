// Where a run stands, as the dashboard's banner and /healthz tell it: the workload running, the
// shutdown draining it, the run ended (the dashboard stays, showing the final summary, until the
// process is stopped), and whether the board is heard. Set by `immsched run` (host/commands/run.ts).

export type RunPhase = "starting" | "running" | "draining" | "ended";
export type BoardLiveness = "waiting" | "live" | "lost";

export interface RunStatus {
  phase: RunPhase;
  board: BoardLiveness;
  /** Why the run ended or is ending ("workload done", "SIGTERM", "duration"). */
  reason?: string;
  /** The run's JSON summary (host/commands/run.ts RunSummary) once it ended. */
  summary?: unknown;
}

export const INITIAL_STATUS: RunStatus = { phase: "starting", board: "waiting" };

/**
 * /healthz for supervisors (systemd, a container runtime, a load balancer): 200 while the process
 * serves and the board is heard or not yet expected; 503 once the board is lost (the runtime keeps
 * asking it for a new session: an operator should look at the cable or the board).
 */
export function health(s: RunStatus): { code: number; body: { ok: boolean; phase: RunPhase; board: BoardLiveness; reason?: string } } {
  const ok = s.board !== "lost";
  return { code: ok ? 200 : 503, body: { ok, phase: s.phase, board: s.board, ...(s.reason ? { reason: s.reason } : {}) } };
}
