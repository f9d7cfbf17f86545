// The runtime's structured log (pino): levels, one JSON object per line with `--log-format json`
// (journald, Loki, Elasticsearch read it as it is), and pino-pretty's one-line form otherwise,
// coloured on a terminal. Written synchronously to stderr: stdout carries the live view and the
// summary, and a line logged just before a signal-driven exit must not be lost in a worker thread.

import { pino, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";

export type { Logger };
export const LOG_FORMATS = ["pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Where lines go (default stderr, fd 2). */
  destination?: NodeJS.WritableStream;
}

/** A logger named "immsched" with the given format and level (default pretty, info). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? "info";
  const base = { name: "immsched", level, base: { pid: process.pid } };
  if ((opts.format ?? "pretty") === "json") {
    return pino(base, opts.destination ?? pino.destination({ fd: 2, sync: true }));
  }
  const out = opts.destination ?? process.stderr;
  const tty = "isTTY" in out && (out as NodeJS.WriteStream).isTTY === true;
  return pino(
    base,
    pretty({
      destination: opts.destination ?? 2,
      sync: true,
      colorize: tty,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,name",
      singleLine: true,
    }),
  );
}
