// Prometheus metrics of a monitored run, on a registry of their own (never prom-client's global
// one, so several monitors and the host's other metrics never collide).
//
// Counters are derived from the reducer's totals (state.ts) at scrape time rather than counted
// again per event, so the dashboard and /metrics can never disagree. Only the latency histogram is
// fed per event, because a histogram needs every observation.
//
//   immsched_arrivals_total                    tasks that arrived
//   immsched_completions_total                 tasks the board finished
//   immsched_violations_total                  late completions + drops (each task once)
//   immsched_drops_total{reason}               drop commands by reason
//   immsched_preemptions_total                 preempt commands
//   immsched_decision_latency_seconds          one call into the core (from `decision` events)
//   immsched_link_frames_total{direction}      sent | received
//   immsched_link_errors_total{kind}           rejected (bad frame) | retry (lost ACK)
//   immsched_monitor_events_total              events the monitor folded
//   immsched_tiles_busy, immsched_tiles        tiles held now, tiles on the board (gauges)
//   immsched_board_power_watts, immsched_board_temperature_celsius, immsched_board_energy_joules,
//   immsched_board_tasks{state}                the board's latest TELEMETRY (gauges; absent before it)
//   immsched_accuracy_loss_points              model variants: mean accuracy lost per completed task,
//                                              points (accuracyLoss of host/sim/metrics.ts; absent
//                                              until a task that ran a chosen width completed)
// All carry the labels board and policy.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RuntimeEvent } from "../runtime/events.js";
import type { MonitorState, Totals } from "./state.js";

/** Seconds: 1 µs .. 100 ms, where decisions of an edge controller fall. */
export const DECISION_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1];

export interface MonitorMetrics {
  readonly registry: Registry;
  /** Per-event part (the histogram); call after reducing the event. */
  observe(e: RuntimeEvent, state: MonitorState): void;
  /** Brings the counters and gauges up to the state's totals; call before reading. */
  sync(state: MonitorState): void;
  /** The Prometheus text exposition (syncs first). */
  text(state: MonitorState): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): MonitorMetrics {
  const registry = new Registry();
  const base = ["board", "policy"] as const;
  const counter = (name: string, help: string, extra: string[] = []) =>
    new Counter({ name, help, labelNames: [...base, ...extra], registers: [registry] });
  const arrivals = counter("immsched_arrivals_total", "Tasks that arrived.");
  const completions = counter("immsched_completions_total", "Tasks the board finished.");
  const violations = counter("immsched_violations_total", "Deadline violations: tasks finished late plus tasks dropped (each task once).");
  const drops = counter("immsched_drops_total", "Tasks dropped by the controller, by reason.", ["reason"]);
  const preemptions = counter("immsched_preemptions_total", "Pre-emptions the controller ordered.");
  const frames = counter("immsched_link_frames_total", "Frames over the board link, by direction.", ["direction"]);
  const linkErrors = counter("immsched_link_errors_total", "Link errors: frames rejected (bad CRC/COBS/length) and retries (lost ACK).", [
    "kind",
  ]);
  const events = counter("immsched_monitor_events_total", "Events the monitor folded into its state.");
  const latency = new Histogram({
    name: "immsched_decision_latency_seconds",
    help: "Time of one call into the scheduling core (arrival, stage or task done -> commands ready).",
    labelNames: [...base],
    buckets: DECISION_BUCKETS,
    registers: [registry],
  });
  const tilesBusy = new Gauge({
    name: "immsched_tiles_busy",
    help: "Tiles a task holds now.",
    labelNames: [...base],
    registers: [registry],
  });
  const tiles = new Gauge({ name: "immsched_tiles", help: "Tiles on the board.", labelNames: [...base], registers: [registry] });
  const gauge = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: [...base, ...extra], registers: [registry] });
  const power = gauge("immsched_board_power_watts", "Board power draw (TELEMETRY).");
  const temperature = gauge("immsched_board_temperature_celsius", "Board temperature (TELEMETRY; absent without a sensor).");
  const energy = gauge("immsched_board_energy_joules", "Energy the board spent since it booted (TELEMETRY).");
  const boardTasks = gauge("immsched_board_tasks", "Tasks on the board by state (TELEMETRY).", ["state"]);
  const accuracyLoss = gauge(
    "immsched_accuracy_loss_points",
    "Model variants: mean accuracy lost per completed task against full width (percentage points).",
  );
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "immsched_monitor_" });

  // what the counters hold already, per total; a counter only goes up by the difference
  let exported: Totals | null = null;

  const sync = (s: MonitorState) => {
    const l = { board: s.board, policy: s.policy };
    const t = s.totals;
    const e = exported;
    const up = (c: Counter, now: number, before: number, extra: Record<string, string> = {}) => {
      if (now > before) c.inc({ ...l, ...extra }, now - before);
      else if (!e) c.inc({ ...l, ...extra }, 0); // a zero sample from the start, so rates work from the first scrape
    };
    up(arrivals, t.arrivals, e?.arrivals ?? 0);
    up(completions, t.completions, e?.completions ?? 0);
    up(violations, t.violations, e?.violations ?? 0);
    up(preemptions, t.preemptions, e?.preemptions ?? 0);
    up(events, t.events, e?.events ?? 0);
    for (const [reason, n] of Object.entries(t.drops)) up(drops, n, e?.drops[reason] ?? 0, { reason });
    up(frames, t.link.framesSent, e?.link.framesSent ?? 0, { direction: "sent" });
    up(frames, t.link.framesReceived, e?.link.framesReceived ?? 0, { direction: "received" });
    up(linkErrors, t.link.framesRejected, e?.link.framesRejected ?? 0, { kind: "rejected" });
    up(linkErrors, t.link.retries, e?.link.retries ?? 0, { kind: "retry" });
    let busy = 0;
    for (const o of s.tiles) if (o >= 0) busy++;
    tilesBusy.set(l, busy);
    tiles.set(l, s.tiles.length);
    if (t.variantCompletions > 0) accuracyLoss.set(l, t.accuracyLossPoints / t.variantCompletions);
    const tm = s.telemetry;
    if (tm) {
      power.set(l, tm.powerMw / 1000);
      if (tm.tempC !== null) temperature.set(l, tm.tempC);
      energy.set(l, tm.energyPJ / 1e12);
      boardTasks.set({ ...l, state: "running" }, tm.runningTasks);
      boardTasks.set({ ...l, state: "queued" }, tm.queuedTasks);
    }
    exported = { ...t, drops: { ...t.drops }, link: { ...t.link } };
  };

  return {
    registry,
    contentType: registry.contentType,
    observe(e, s) {
      if ("decision" in e && Number.isFinite(e.decision.micros) && e.decision.micros >= 0) {
        latency.observe({ board: s.board, policy: s.policy }, e.decision.micros / 1e6);
      }
    },
    sync,
    async text(s) {
      sync(s);
      // prom-client prints NaN (an event-loop lag mean before its first sample) as "Nan"; the
      // exposition format (and OpenMetrics parsers) want "NaN"
      return (await registry.metrics()).replace(/ Nan$/gm, " NaN");
    },
  };
}
