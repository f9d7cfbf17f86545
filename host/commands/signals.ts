// SIGINT and SIGTERM for a command that shuts down cleanly: the first asks it to stop (it drains,
// writes its summary and exits 0), a second means "now": exit at once with 130 (128 + SIGINT, what
// a shell reports for an interrupted program), whatever the command was doing.

export const EXIT_FORCED = 130;

export interface ShutdownSignals {
  /** Resolves with the first signal's name. */
  readonly requested: Promise<NodeJS.Signals>;
  /** The first signal, once one came. */
  readonly signal: NodeJS.Signals | undefined;
  dispose(): void;
}

export function shutdownSignals(onForced: () => void = () => process.exit(EXIT_FORCED)): ShutdownSignals {
  let first: NodeJS.Signals | undefined;
  let resolve!: (s: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (s: NodeJS.Signals) => {
    if (first !== undefined) {
      onForced();
      return;
    }
    first = s;
    resolve(s);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    requested,
    get signal() {
      return first;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
