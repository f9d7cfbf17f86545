// The dashboard's state as a fold over runtime events (host/runtime/events.ts): which task owns each tile, the
// recent tasks for the Gantt, rolling series for the charts, an event log and running totals.
//
// `reduce` reads nothing but its arguments (no clock, no I/O, no randomness), so the same events
// always give the same state, live or replayed. It updates the state in place rather than copying
// it because it runs on every event (1,000+ a second); callers that need a value take `snapshot`.
// Memory is bounded whatever the run length: tasks, buckets, samples and log entries are all capped.
//
// Every change is stamped with the event counter `rev`, so `delta(state, since)` can hand a
// client exactly what changed since the last update it got (the server batches these).

import { percentile } from "../sim/metrics.js";
import { type BoardTelemetry, type LinkCounters, type RuntimeEvent, type RuntimeEventKind, eventKind } from "../runtime/events.js";
import type { Command } from "../../firmware-bridge/protocol/commands.js";

export interface MonitorConfig {
  /** Width of one bucket of the rolling series, in board ns (default 100 ms). */
  bucketNs: number;
  /** Buckets kept (default 600: one minute at 100 ms). */
  maxBuckets: number;
  /** Tasks shown in the Gantt: the last N that arrived (default 60). */
  recentTasks: number;
  /** Tasks tracked for bookkeeping (start, finish, tiles); the oldest are forgotten beyond it (default 4096). */
  trackedTasks: number;
  /** Event log lines kept (default 300). */
  logSize: number;
  /** Latency samples kept per bucket for its percentiles (default 512; a deterministic reservoir beyond). */
  samplesPerBucket: number;
  /** Mesh size until a `hello` says otherwise (default 8x8, the DESIGN default board). */
  width: number;
  height: number;
}

export const DEFAULT_CONFIG: MonitorConfig = {
  bucketNs: 100e6,
  maxBuckets: 600,
  recentTasks: 60,
  trackedTasks: 4096,
  logSize: 300,
  samplesPerBucket: 512,
  width: 8,
  height: 8,
};

export type TaskPhase = "waiting" | "running" | "preempted" | "done" | "dropped";

/** One task as the dashboard shows it (all times board ns). */
export interface TaskView {
  id: number;
  model: string;
  priority: number;
  arrival: number;
  /** null when the arrival was never seen (the monitor joined mid-run). */
  deadline: number | null;
  start?: number;
  finish?: number;
  dropped?: string;
  /** When it left: finished or dropped. */
  end?: number;
  /** Finished after its deadline. */
  late: boolean;
  preemptions: number;
  /** Last stage (or layer) the board reported done, -1 before the first. */
  stage: number;
  phase: TaskPhase;
  /** Intervals it held tiles: [from, to], to null while it still holds them (last 8 kept). */
  segments: Array<[number, number | null]>;
}

interface TaskEntry extends Omit<TaskView, "deadline"> {
  /** Infinity until the arrival is seen. */
  deadline: number;
  rev: number;
  /** Tiles it holds now. */
  tiles: number[];
  /** Tiles marked with it after a pre-emption (its last tiles). */
  marked: number[];
  /** Counted as a violation already (late or dropped). */
  violated: boolean;
  /** Model variants: the accuracy its width costs (points), from its arrival. */
  lossPoints?: number;
}

interface Bucket {
  i: number;
  rev: number;
  arrivals: number;
  completions: number;
  settled: number;
  violations: number;
  dec: number[];
  decSeen: number;
}

export interface LogEntry {
  seq: number;
  time: number;
  level: "info" | "warn" | "error";
  text: string;
  task?: number;
}

interface StampedLog extends LogEntry {
  rev: number;
}

export interface Totals {
  events: number;
  arrivals: number;
  placements: number;
  resumes: number;
  completions: number;
  late: number;
  /** Late completions plus drops, each task once (as violationRate in host/sim/metrics.ts). */
  violations: number;
  drops: Record<string, number>;
  preemptions: number;
  decisions: number;
  decisionMicros: number;
  decisionWork: number;
  /** Link frames, summed over link restarts. */
  link: LinkCounters;
  /** Tile indices outside the mesh that commands named (ignored). */
  badTiles: number;
  /** Model variants: completions of tasks that ran a chosen width, and the accuracy they lost in all (points). */
  variantCompletions: number;
  accuracyLossPoints: number;
}

/** One bucket of the rolling series as the page plots it. */
export interface SeriesPoint {
  i: number;
  /** Bucket start, board seconds. */
  t: number;
  arrivals: number;
  completions: number;
  /** Completions per second of board time. */
  throughput: number;
  /** (late + dropped) / settled in this bucket; null when nothing settled. */
  violationRate: number | null;
  /** Core call time of the decisions in this bucket (µs), from `decision` events. */
  decP50: number | null;
  decP99: number | null;
}

export interface Snapshot {
  kind: "snapshot";
  rev: number;
  board: string;
  policy: string;
  width: number;
  height: number;
  now: number;
  bucketNs: number;
  recentLimit: number;
  maxBuckets: number;
  /** Owning task of every tile, -1 free. */
  tiles: number[];
  /** Pre-empted task whose last tiles these are, -1 none. */
  marks: number[];
  tasks: TaskView[];
  series: SeriesPoint[];
  log: LogEntry[];
  totals: Totals;
  /** The board's latest TELEMETRY, with its board time; null before the first. */
  telemetry: (BoardTelemetry & { time: number }) | null;
}

export interface Delta {
  kind: "delta";
  rev: number;
  since: number;
  now: number;
  totals: Totals;
  telemetry: (BoardTelemetry & { time: number }) | null;
  tiles?: number[];
  marks?: number[];
  /** Tasks new or changed since `since` (merge by id; keep the last `recentLimit` by arrival). */
  tasks: TaskView[];
  /** Buckets new or changed (merge by `i`). */
  series: SeriesPoint[];
  /** Log entries added (merge by `seq`). */
  log: LogEntry[];
}

export interface MonitorState {
  config: MonitorConfig;
  board: string;
  policy: string;
  width: number;
  height: number;
  /** Latest board time seen (ns). */
  now: number;
  /** Events folded so far; stamps every change. */
  rev: number;
  /** rev of the last hello (a client older than it needs a full snapshot). */
  resetRev: number;
  tilesRev: number;
  tiles: number[];
  marks: number[];
  tasks: Map<number, TaskEntry>;
  recentIds: number[];
  buckets: Bucket[];
  log: StampedLog[];
  logSeq: number;
  totals: Totals;
  lastLink: LinkCounters | null;
  warnedBadTile: boolean;
  telemetry: (BoardTelemetry & { time: number }) | null;
}

export function initialState(config: Partial<MonitorConfig> = {}, labels: { board?: string; policy?: string } = {}): MonitorState {
  const c = { ...DEFAULT_CONFIG, ...config };
  for (const k of Object.keys(DEFAULT_CONFIG) as Array<keyof MonitorConfig>) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new Error(`monitor config ${k}: expected a positive number, got ${c[k]}`);
  }
  const n = c.width * c.height;
  return {
    config: c,
    board: labels.board ?? "board",
    policy: labels.policy ?? "unknown",
    width: c.width,
    height: c.height,
    now: 0,
    rev: 0,
    resetRev: 0,
    tilesRev: 0,
    tiles: new Array<number>(n).fill(-1),
    marks: new Array<number>(n).fill(-1),
    tasks: new Map(),
    recentIds: [],
    buckets: [],
    log: [],
    logSeq: 0,
    totals: {
      // no prototype: a reason off the wire such as "__proto__" is just a key
      events: 0,
      arrivals: 0,
      placements: 0,
      resumes: 0,
      completions: 0,
      late: 0,
      violations: 0,
      drops: Object.create(null) as Record<string, number>,
      preemptions: 0,
      decisions: 0,
      decisionMicros: 0,
      decisionWork: 0,
      link: { framesSent: 0, framesReceived: 0, framesRejected: 0, retries: 0 },
      badTiles: 0,
      variantCompletions: 0,
      accuracyLossPoints: 0,
    },
    lastLink: null,
    warnedBadTile: false,
    telemetry: null,
  };
}

const us = (ns: number) => ns / 1000;
const MAX_DROP_REASONS = 16;

function addLog(s: MonitorState, time: number, level: LogEntry["level"], text: string, task?: number): void {
  const e: StampedLog = { seq: ++s.logSeq, rev: s.rev, time, level, text };
  if (task !== undefined) e.task = task;
  s.log.push(e);
  // drop in chunks so trimming stays O(1) amortised
  if (s.log.length > s.config.logSize * 1.25) s.log.splice(0, s.log.length - s.config.logSize);
}

/** Keeps a bounded sample: the first `cap` values, then Algorithm R with a hash instead of a RNG. */
function sample(values: number[], seen: number, v: number, cap: number): void {
  if (values.length < cap) {
    values.push(v);
    return;
  }
  const j = Math.imul(seen + 1, 2654435761) >>> 0;
  const k = j % (seen + 1);
  if (k < cap) values[k] = v;
}

function bucketAt(s: MonitorState, time: number): Bucket | undefined {
  const i = Math.floor(time / s.config.bucketNs);
  const b = s.buckets;
  const last = b[b.length - 1];
  if (!last || i > last.i) {
    // empty buckets fill a gap so throughput reads zero there, but never more than the cap
    const from = last ? Math.max(last.i + 1, i - s.config.maxBuckets + 1) : i;
    for (let j = from; j <= i; j++) {
      b.push({ i: j, rev: s.rev, arrivals: 0, completions: 0, settled: 0, violations: 0, dec: [], decSeen: 0 });
    }
    if (b.length > s.config.maxBuckets) b.splice(0, b.length - s.config.maxBuckets);
    return b[b.length - 1];
  }
  // out of order (events from two sources): look back; older than the window is dropped
  for (let k = b.length - 1; k >= 0; k--) {
    const x = b[k]!;
    if (x.i === i) return x;
    if (x.i < i) return undefined;
  }
  return undefined;
}

function touchBucket(s: MonitorState, time: number): Bucket | undefined {
  const b = bucketAt(s, time);
  if (b) b.rev = s.rev;
  return b;
}

function task(s: MonitorState, id: number, time: number): TaskEntry {
  let t = s.tasks.get(id);
  if (!t) {
    t = {
      id,
      model: "?",
      priority: 0,
      arrival: time,
      deadline: Infinity,
      late: false,
      preemptions: 0,
      stage: -1,
      phase: "waiting",
      segments: [],
      rev: s.rev,
      tiles: [],
      marked: [],
      violated: false,
    };
    track(s, t);
  }
  t.rev = s.rev;
  return t;
}

function track(s: MonitorState, t: TaskEntry): void {
  s.tasks.set(t.id, t);
  s.recentIds.push(t.id);
  if (s.recentIds.length > s.config.recentTasks) s.recentIds.shift();
  if (s.tasks.size > s.config.trackedTasks) {
    // forget the oldest-tracked task; its tiles and marks go with it so none is left stale
    const old = s.tasks.keys().next().value as number;
    const o = s.tasks.get(old)!;
    release(s, o);
    s.tasks.delete(old);
  }
}

/** Frees the tiles a task holds and clears its pre-emption marks. */
function release(s: MonitorState, t: TaskEntry): void {
  for (const x of t.tiles) if (s.tiles[x] === t.id) s.tiles[x] = -1;
  for (const x of t.marked) if (s.marks[x] === t.id) s.marks[x] = -1;
  if (t.tiles.length || t.marked.length) s.tilesRev = s.rev;
  t.tiles = [];
  t.marked = [];
}

function openSegment(t: TaskEntry, time: number): void {
  const last = t.segments[t.segments.length - 1];
  if (last && last[1] === null) return;
  t.segments.push([time, null]);
  if (t.segments.length > 8) t.segments.shift();
}

function closeSegment(t: TaskEntry, time: number): void {
  const last = t.segments[t.segments.length - 1];
  if (last && last[1] === null) last[1] = time;
}

function violation(s: MonitorState, t: TaskEntry, time: number): void {
  if (t.violated) return;
  t.violated = true;
  s.totals.violations++;
  const b = touchBucket(s, time);
  if (b) b.violations++;
}

function validTiles(s: MonitorState, tiles: readonly number[], id: number, time: number): number[] {
  const out: number[] = [];
  for (const x of tiles) {
    if (Number.isInteger(x) && x >= 0 && x < s.tiles.length) out.push(x);
    else {
      s.totals.badTiles++;
      if (!s.warnedBadTile) {
        s.warnedBadTile = true;
        addLog(s, time, "warn", `tile ${x} of task #${id} is outside the ${s.width}x${s.height} mesh (ignored)`, id);
      }
    }
  }
  return out;
}

const fmtUs = (ns: number) => `${us(ns).toFixed(1)} µs`;

type EventOf<K extends RuntimeEventKind> = Extract<RuntimeEvent, Record<K, unknown>>;

/** Folds one event into the state (in place) and returns it: one handler per kind of event. */
export function reduce(s: MonitorState, e: RuntimeEvent): MonitorState {
  s.rev++;
  s.totals.events++;
  const kind = eventKind(e);
  // a HELLO starts a new picture at its own time; every other event moves the clock forward
  if (kind !== "hello" && e.time > s.now) s.now = e.time;
  switch (kind) {
    case "hello":
      onHello(s, e as EventOf<"hello">);
      break;
    case "arrival":
      onArrival(s, e as EventOf<"arrival">);
      break;
    case "command":
      onCommand(s, e as EventOf<"command">);
      break;
    case "board":
      onBoard(s, e as EventOf<"board">);
      break;
    case "decision":
      onDecision(s, e as EventOf<"decision">);
      break;
    case "link":
      onLink(s, e as EventOf<"link">);
      break;
    case "telemetry":
      s.telemetry = { ...(e as EventOf<"telemetry">).telemetry, time: e.time };
      break;
    case "note": {
      const n = (e as EventOf<"note">).note;
      addLog(s, e.time, n.level, n.text);
      break;
    }
  }
  return s;
}

/** A board's HELLO: a new session, a new picture (a bad mesh size keeps the old one, with a warning). */
function onHello(s: MonitorState, { time, hello: h }: EventOf<"hello">): void {
  const ok = Number.isInteger(h.width) && Number.isInteger(h.height) && h.width > 0 && h.height > 0 && h.width * h.height <= 65536;
  const w = ok ? h.width : s.width;
  const hh = ok ? h.height : s.height;
  s.board = h.board;
  s.policy = h.policy;
  s.width = w;
  s.height = hh;
  s.tiles = new Array<number>(w * hh).fill(-1);
  s.marks = new Array<number>(w * hh).fill(-1);
  s.tasks.clear();
  s.recentIds = [];
  s.buckets = [];
  s.lastLink = null;
  s.warnedBadTile = false;
  s.telemetry = null;
  s.now = time;
  s.resetRev = s.rev;
  s.tilesRev = s.rev;
  addLog(
    s,
    time,
    ok ? "info" : "warn",
    `hello: board ${h.board}, policy ${h.policy}, ${w}x${hh} tiles${ok ? "" : ` (bad size ${h.width}x${h.height} ignored)`}`,
  );
}

/** A task heard of: its model, priority and deadline. */
function onArrival(s: MonitorState, { time, arrival: a }: EventOf<"arrival">): void {
  const t = s.tasks.get(a.id) ?? task(s, a.id, time);
  t.model = a.model;
  t.priority = a.priority;
  t.arrival = a.arrivalNs;
  t.deadline = a.deadlineNs;
  if (a.lossPoints !== undefined) t.lossPoints = a.lossPoints;
  t.rev = s.rev;
  s.totals.arrivals++;
  const b = touchBucket(s, time);
  if (b) b.arrivals++;
  addLog(s, time, "info", `arrival #${a.id} ${a.model} prio ${a.priority}, deadline in ${fmtUs(a.deadlineNs - a.arrivalNs)}`, a.id);
}

/** A command of the controller: placements take tiles, pre-emptions mark them, drops settle the task. */
function onCommand(s: MonitorState, { time, command: c }: EventOf<"command">): void {
  const t = task(s, c.taskId, time);
  switch (c.kind) {
    case "place":
    case "resume":
      onPlace(s, t, c, time);
      break;
    case "preempt":
      onPreempt(s, t, time);
      break;
    case "drop":
      onDrop(s, t, c.reason, time);
      break;
  }
}

function onPlace(s: MonitorState, t: TaskEntry, c: Extract<Command, { kind: "place" | "resume" }>, time: number): void {
  // a layer-temporal command names no tiles: the task holds the whole array
  const tiles = c.tiles.length ? validTiles(s, c.tiles, c.taskId, time) : s.tiles.map((_, i) => i);
  for (const x of t.marked) if (s.marks[x] === t.id) s.marks[x] = -1;
  t.marked = [];
  for (const x of tiles) s.tiles[x] = t.id;
  t.tiles = tiles;
  s.tilesRev = s.rev;
  if (t.start === undefined) t.start = time;
  t.phase = "running";
  openSegment(t, time);
  if (c.kind === "place") s.totals.placements++;
  else s.totals.resumes++;
  addLog(
    s,
    time,
    "info",
    `${c.kind} #${c.taskId} on ${c.tiles.length ? `${tiles.length} tile${tiles.length === 1 ? "" : "s"}` : "the whole array"}`,
    c.taskId,
  );
}

function onPreempt(s: MonitorState, t: TaskEntry, time: number): void {
  closeSegment(t, time);
  const marked: number[] = [];
  for (const x of t.tiles) {
    if (s.tiles[x] !== t.id) continue;
    s.tiles[x] = -1;
    s.marks[x] = t.id;
    marked.push(x);
  }
  t.tiles = [];
  t.marked = marked;
  s.tilesRev = s.rev;
  t.phase = "preempted";
  t.preemptions++;
  s.totals.preemptions++;
  addLog(s, time, "warn", `preempt #${t.id}`, t.id);
}

function onDrop(s: MonitorState, t: TaskEntry, reason: string, time: number): void {
  if (t.phase === "done") {
    // crossed the task's TASK_DONE on the link: the board ignores it, so does the picture
    addLog(s, time, "info", `drop #${t.id} (${reason}) came after it finished: ignored`, t.id);
    return;
  }
  closeSegment(t, time);
  release(s, t);
  t.dropped = reason;
  t.end = time;
  t.phase = "dropped";
  // reasons come off the wire: cap the distinct ones (they are Prometheus label values too)
  const drops = s.totals.drops;
  const key = Object.hasOwn(drops, reason) || Object.keys(drops).length < MAX_DROP_REASONS ? reason : "other";
  drops[key] = (Object.hasOwn(drops, key) ? drops[key]! : 0) + 1;
  const b = touchBucket(s, time);
  if (b) b.settled++;
  violation(s, t, time);
  addLog(s, time, "error", `drop #${t.id} (${reason})`, t.id);
}

/** The board's report: a stage or layer done (progress), or the task done (on time or late). */
function onBoard(s: MonitorState, { time, board: ev }: EventOf<"board">): void {
  const t = task(s, ev.taskId, time);
  if (ev.kind === "stage") {
    if (ev.stage > t.stage) t.stage = ev.stage;
    return;
  }
  closeSegment(t, time);
  release(s, t);
  t.finish = time;
  t.end = time;
  t.phase = "done";
  t.late = time > t.deadline;
  s.totals.completions++;
  if (t.lossPoints !== undefined) {
    s.totals.variantCompletions++;
    s.totals.accuracyLossPoints += t.lossPoints;
  }
  const b = touchBucket(s, time);
  if (b) {
    b.completions++;
    b.settled++;
  }
  if (t.late) {
    s.totals.late++;
    violation(s, t, time);
    addLog(s, time, "warn", `done #${ev.taskId} LATE by ${fmtUs(time - t.deadline)}`, ev.taskId);
  } else {
    addLog(s, time, "info", `done #${ev.taskId} in ${fmtUs(time - t.arrival)}`, ev.taskId);
  }
}

function onDecision(s: MonitorState, { time, decision }: EventOf<"decision">): void {
  s.totals.decisions++;
  s.totals.decisionMicros += decision.micros;
  s.totals.decisionWork += decision.work;
  const b = touchBucket(s, time);
  if (b) sample(b.dec, b.decSeen++, decision.micros, s.config.samplesPerBucket);
}

/** Link counters are running totals: the state adds what grew since the last report (a restart counts from 0). */
function onLink(s: MonitorState, { time, link: now }: EventOf<"link">): void {
  const last = s.lastLink;
  const l = s.totals.link;
  const keys = ["framesSent", "framesReceived", "framesRejected", "retries"] as const;
  const added = { framesSent: 0, framesReceived: 0, framesRejected: 0, retries: 0 };
  for (const k of keys) {
    const v = Math.max(0, now[k]);
    added[k] = last && v >= last[k] ? v - last[k] : v;
    l[k] += added[k];
  }
  s.lastLink = { ...now };
  if (added.framesRejected > 0 || added.retries > 0) {
    addLog(s, time, "warn", `link: ${added.framesRejected} frame(s) rejected, ${added.retries} retr${added.retries === 1 ? "y" : "ies"}`);
  }
}

function view(t: TaskEntry): TaskView {
  const v: TaskView = {
    id: t.id,
    model: t.model,
    priority: t.priority,
    arrival: t.arrival,
    // JSON has no Infinity: a task known only from commands has no known deadline
    deadline: Number.isFinite(t.deadline) ? t.deadline : null,
    late: t.late,
    preemptions: t.preemptions,
    stage: t.stage,
    phase: t.phase,
    segments: t.segments.map((x) => [x[0], x[1]] as [number, number | null]),
  };
  if (t.start !== undefined) v.start = t.start;
  if (t.finish !== undefined) v.finish = t.finish;
  if (t.dropped !== undefined) v.dropped = t.dropped;
  if (t.end !== undefined) v.end = t.end;
  return v;
}

function point(s: MonitorState, b: Bucket): SeriesPoint {
  const sec = s.config.bucketNs / 1e9;
  const p = (v: number[], q: number) => (v.length ? percentile(v, q) : null);
  return {
    i: b.i,
    t: b.i * sec,
    arrivals: b.arrivals,
    completions: b.completions,
    throughput: b.completions / sec,
    violationRate: b.settled ? b.violations / b.settled : null,
    decP50: p(b.dec, 50),
    decP99: p(b.dec, 99),
  };
}

const cloneTotals = (t: Totals): Totals => ({ ...t, drops: { ...t.drops }, link: { ...t.link } });
const stripLog = (e: StampedLog): LogEntry => {
  const { rev: _rev, ...rest } = e;
  return rest;
};

/** Recent tasks, oldest arrival first. */
export function recentTasks(s: MonitorState): TaskView[] {
  const out: TaskView[] = [];
  for (const id of s.recentIds) {
    const t = s.tasks.get(id);
    if (t) out.push(view(t));
  }
  return out;
}

/** Everything a client needs to draw the dashboard from scratch (plain JSON). */
export function snapshot(s: MonitorState): Snapshot {
  return {
    kind: "snapshot",
    rev: s.rev,
    board: s.board,
    policy: s.policy,
    width: s.width,
    height: s.height,
    now: s.now,
    bucketNs: s.config.bucketNs,
    recentLimit: s.config.recentTasks,
    maxBuckets: s.config.maxBuckets,
    tiles: [...s.tiles],
    marks: [...s.marks],
    tasks: recentTasks(s),
    series: s.buckets.map((b) => point(s, b)),
    log: s.log.slice(-s.config.logSize).map(stripLog),
    totals: cloneTotals(s.totals),
    telemetry: s.telemetry && { ...s.telemetry },
  };
}

/**
 * What changed after rev `since`; a full snapshot when a `hello` reset the run since then
 * (the client's tiles and tasks belong to the old run).
 */
export function delta(s: MonitorState, since: number): Delta | Snapshot {
  if (s.resetRev > since) return snapshot(s);
  const d: Delta = {
    kind: "delta",
    rev: s.rev,
    since,
    now: s.now,
    totals: cloneTotals(s.totals),
    telemetry: s.telemetry && { ...s.telemetry },
    tasks: [],
    series: [],
    log: [],
  };
  if (s.tilesRev > since) {
    d.tiles = [...s.tiles];
    d.marks = [...s.marks];
  }
  for (const id of s.recentIds) {
    const t = s.tasks.get(id);
    if (t && t.rev > since) d.tasks.push(view(t));
  }
  for (let k = s.buckets.length - 1; k >= 0; k--) {
    const b = s.buckets[k]!;
    if (b.rev > since) d.series.push(point(s, b));
  }
  d.series.reverse();
  for (let k = s.log.length - 1; k >= 0 && s.log[k]!.rev > since; k--) d.log.push(stripLog(s.log[k]!));
  d.log.reverse();
  return d;
}
