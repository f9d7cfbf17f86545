// The shutdown grace period's default, apart from run.ts so the CLI's help can name it without loading the runtime.

/** `--grace-ms` by default: time running tasks get to finish at a shutdown (XRBench's longest frames take tens of ms). */
export const DEFAULT_GRACE_MS = 2000;
