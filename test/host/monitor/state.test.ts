// The dashboard reducer on hand-built event sequences, and against a real simulation's log.
import { describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../../../host/runtime/events.js";
import type { DropReason } from "../../../firmware-bridge/protocol/index.js";
import { delta, initialState, reduce, snapshot, type MonitorState } from "../../../host/monitor/state.js";
import { computeMetrics, isLate } from "../../../host/sim/metrics.js";
import { simulationEvents } from "./sim-feed.js";

const fold = (events: RuntimeEvent[], s: MonitorState = initialState()) => events.reduce(reduce, s);
const arrival = (time: number, id: number, deadlineNs: number): RuntimeEvent => ({
  time,
  arrival: { id, model: id % 2 ? "small" : "large", priority: 3, arrivalNs: time, deadlineNs },
});
const place = (time: number, taskId: number, tiles: number[], kind: "place" | "resume" = "place"): RuntimeEvent => ({
  time,
  command: { kind, epoch: time, taskId, stages: tiles.length, tiles },
});
const preempt = (time: number, taskId: number): RuntimeEvent => ({ time, command: { kind: "preempt", epoch: time, taskId } });
const done = (time: number, taskId: number): RuntimeEvent => ({ time, board: { kind: "done", taskId, time, energyPJ: 1 } });
const drop = (time: number, taskId: number, reason = "deadline"): RuntimeEvent => ({
  time,
  command: { kind: "drop", epoch: time, taskId, reason: reason as DropReason },
}); // any string: the monitor must cope
const hello4x4: RuntimeEvent = { time: 0, hello: { board: "b", policy: "isosched", width: 4, height: 4 } };
const task = (s: MonitorState, id: number) => snapshot(s).tasks.find((t) => t.id === id)!;

describe("tile ownership", () => {
  it("follows place, preempt (tiles marked), a takeover, resume (marks cleared), done and drop", () => {
    const s = fold([hello4x4, arrival(1, 1, 1000), arrival(2, 2, 100_000), arrival(3, 3, 100_000)]);
    expect(s.tiles).toEqual(new Array(16).fill(-1));

    fold([place(10, 1, [0, 1, 2]), place(20, 2, [3, 4])], s);
    expect(s.tiles.slice(0, 6)).toEqual([1, 1, 1, 2, 2, -1]);
    expect(task(s, 1)).toMatchObject({ phase: "running", start: 10, segments: [[10, null]] });

    reduce(s, preempt(30, 1));
    expect(s.tiles.slice(0, 6)).toEqual([-1, -1, -1, 2, 2, -1]);
    expect(s.marks.slice(0, 6)).toEqual([1, 1, 1, -1, -1, -1]);
    expect(task(s, 1)).toMatchObject({ phase: "preempted", preemptions: 1, segments: [[10, 30]] });

    // an urgent task takes two of the pre-empted tiles: it owns them, the marks stay until task 1 runs again
    reduce(s, place(40, 3, [0, 1]));
    expect(s.tiles.slice(0, 3)).toEqual([3, 3, -1]);
    expect(s.marks.slice(0, 3)).toEqual([1, 1, 1]);

    reduce(s, place(50, 1, [5, 6, 7], "resume"));
    expect(s.tiles.slice(0, 8)).toEqual([3, 3, -1, 2, 2, 1, 1, 1]);
    expect(s.marks).toEqual(new Array(16).fill(-1));
    expect(task(s, 1)).toMatchObject({
      phase: "running",
      start: 10,
      segments: [
        [10, 30],
        [50, null],
      ],
    });

    reduce(s, done(60, 2));
    expect(s.tiles.slice(3, 5)).toEqual([-1, -1]);
    expect(task(s, 2)).toMatchObject({ phase: "done", late: false, finish: 60 });

    reduce(s, done(2000, 1)); // deadline 1000: late
    expect(s.tiles.slice(5, 8)).toEqual([-1, -1, -1]);
    expect(task(s, 1)).toMatchObject({
      phase: "done",
      late: true,
      finish: 2000,
      segments: [
        [10, 30],
        [50, 2000],
      ],
    });

    reduce(s, drop(2100, 3));
    expect(s.tiles).toEqual(new Array(16).fill(-1));
    expect(task(s, 3)).toMatchObject({ phase: "dropped", dropped: "deadline", end: 2100, late: false });

    expect(s.totals).toMatchObject({
      arrivals: 3,
      placements: 3,
      resumes: 1,
      completions: 2,
      late: 1,
      violations: 2,
      preemptions: 1,
      drops: { deadline: 1 },
    });
  });

  it("a layer-temporal command (no tiles) gives the whole array to the task", () => {
    const s = fold([hello4x4, arrival(0, 1, 1e6), arrival(0, 2, 1e6), place(1, 1, [])]);
    expect(s.tiles).toEqual(new Array(16).fill(1));
    fold([preempt(2, 1), place(3, 2, [])], s);
    expect(s.tiles).toEqual(new Array(16).fill(2));
    expect(s.marks).toEqual(new Array(16).fill(1));
    fold([done(4, 2), place(5, 1, [], "resume")], s);
    expect(s.tiles).toEqual(new Array(16).fill(1));
    expect(s.marks).toEqual(new Array(16).fill(-1));
  });

  it("a task that finishes after its deadline is marked late and counted once as a violation", () => {
    const s = fold([
      hello4x4,
      arrival(0, 7, 500),
      place(10, 7, [0]),
      { time: 400, board: { kind: "stage", taskId: 7, stage: 0, measuredNs: 1, time: 400 } },
      done(501, 7),
    ]);
    expect(task(s, 7)).toMatchObject({ late: true, stage: 0, finish: 501 });
    reduce(s, drop(600, 7)); // a stale drop after the finish must not count twice
    expect(task(s, 7)).toMatchObject({ phase: "done", late: true });
    expect(s.totals.drops).toEqual({});
    expect(s.totals.violations).toBe(1);
    expect(s.totals.late).toBe(1);
  });

  it("ignores and counts tiles outside the mesh, with one warning in the log", () => {
    const s = fold([hello4x4, arrival(0, 1, 1e6), place(1, 1, [2, 16, -1, 99])]);
    expect(s.tiles[2]).toBe(1);
    expect(s.tiles.length).toBe(16);
    expect(s.totals.badTiles).toBe(3);
    expect(s.log.filter((l) => l.level === "warn" && l.text.includes("outside"))).toHaveLength(1);
  });

  it("a command for a task whose arrival it never saw (joined mid-run) still owns tiles, with no deadline", () => {
    const s = fold([hello4x4, place(5, 42, [9])]);
    expect(s.tiles[9]).toBe(42);
    expect(task(s, 42)).toMatchObject({ model: "?", deadline: null, phase: "running" });
    expect(JSON.parse(JSON.stringify(snapshot(s)))).toEqual(snapshot(s)); // plain JSON (no Infinity)
  });
});

describe("rolling series", () => {
  it("buckets throughput, violation rate and decision latency percentiles by board time", () => {
    const s = initialState({ bucketNs: 1000 });
    const events: RuntimeEvent[] = [];
    for (let m = 1; m <= 100; m++) events.push({ time: 10 + m, decision: { micros: m, work: m } });
    events.push(arrival(100, 1, 1500), arrival(200, 2, 5000), place(300, 1, [0]), place(300, 2, [1]), done(1600, 1), done(1700, 2));
    events.push(done(3500, 99)); // bucket 3; bucket 2 stays empty
    fold(events, s);
    const series = snapshot(s).series;
    expect(series.map((p) => p.i)).toEqual([0, 1, 2, 3]);
    expect(series[0]).toMatchObject({ t: 0, arrivals: 2, completions: 0, decP50: 50, decP99: 99, violationRate: null });
    expect(series[1]).toMatchObject({ t: 1e-6, completions: 2, throughput: 2e6, violationRate: 0.5, decP50: null });
    expect(series[2]).toMatchObject({ completions: 0, throughput: 0 });
    expect(s.totals.decisions).toBe(100);
    expect(s.totals.decisionWork).toBe(5050);
  });
});

describe("drop reasons", () => {
  it("counts reasons off the wire safely and caps how many distinct ones there are", () => {
    const s = initialState();
    for (let i = 0; i < 40; i++) reduce(s, drop(i, i, i < 2 ? "__proto__" : `r${i}`));
    reduce(s, drop(50, 50, "r2")); // a known reason past the cap still counts under its name
    expect(Object.keys(s.totals.drops)).toHaveLength(17);
    // biome-ignore lint/suspicious/noProto: a drop reason named __proto__ must count as an own key
    expect(s.totals.drops.__proto__).toBe(2);
    expect(s.totals.drops.r2).toBe(2);
    expect(s.totals.drops.other).toBe(40 - 2 - 15); // __proto__ twice and r2..r16 fill the 16 names
    expect(JSON.parse(JSON.stringify(snapshot(s).totals.drops))).toMatchObject({ ["__proto__"]: 2, other: 23 });
  });
});

describe("link counters", () => {
  it("sums cumulative counters across a link restart and logs rejected frames", () => {
    const s = fold([
      { time: 1, link: { framesSent: 10, framesReceived: 8, framesRejected: 0, retries: 0 } },
      { time: 2, link: { framesSent: 15, framesReceived: 12, framesRejected: 1, retries: 2 } },
      { time: 3, link: { framesSent: 3, framesReceived: 2, framesRejected: 0, retries: 0 } }, // restarted
    ]);
    expect(s.totals.link).toEqual({ framesSent: 18, framesReceived: 14, framesRejected: 1, retries: 2 });
    expect(s.log.filter((l) => l.text.startsWith("link:"))).toHaveLength(1);
  });
});

describe("bounded memory", () => {
  it("keeps tasks, buckets, samples and the log within their caps over a long run", () => {
    const s = initialState({ bucketNs: 1000, maxBuckets: 50, recentTasks: 20, trackedTasks: 100, logSize: 40, samplesPerBucket: 16 });
    reduce(s, hello4x4);
    let t = 0;
    for (let id = 1; id <= 20_000; id++) {
      t += 300;
      reduce(s, arrival(t, id, t + 1000));
      reduce(s, { time: t, decision: { micros: id % 97, work: 1 } });
      reduce(s, place(t + 10, id, [id % 16]));
      // every 7th task never finishes: it must not pin memory
      if (id % 7) reduce(s, done(t + 200, id));
    }
    expect(s.tasks.size).toBeLessThanOrEqual(100);
    expect(s.recentIds.length).toBe(20);
    expect(s.buckets.length).toBe(50);
    for (const b of s.buckets) expect(b.dec.length).toBeLessThanOrEqual(16);
    expect(s.log.length).toBeLessThanOrEqual(50);
    const snap = snapshot(s);
    expect(snap.tasks).toHaveLength(20);
    expect(snap.log.length).toBeLessThanOrEqual(40);
    expect(JSON.stringify(snap).length).toBeLessThan(60_000);
    expect(s.totals.arrivals).toBe(20_000);
    // forgotten unfinished tasks do not leave tiles owned forever: only the last tracked ones can hold any
    const owners = new Set(s.tiles.filter((o) => o >= 0));
    for (const o of owners) expect(s.tasks.has(o)).toBe(true);
  });
});

describe("deltas", () => {
  it("carry only what changed since a rev, and a hello forces a snapshot", () => {
    const s = fold([hello4x4, arrival(1, 1, 1e6), arrival(2, 2, 1e6), place(3, 1, [0])]);
    const since = s.rev;
    reduce(s, { time: 4, board: { kind: "stage", taskId: 2, stage: 0, measuredNs: 1, time: 4 } });
    let d = delta(s, since);
    expect(d.kind).toBe("delta");
    if (d.kind !== "delta") return;
    expect(d.tasks.map((t) => t.id)).toEqual([2]);
    expect(d.tiles).toBeUndefined(); // no tile changed
    expect(d.log).toEqual([]); // stage events are not logged
    reduce(s, place(5, 2, [1]));
    d = delta(s, since);
    if (d.kind !== "delta") throw new Error("expected a delta");
    expect(d.tiles?.slice(0, 2)).toEqual([1, 2]);
    expect(d.log.map((l) => l.text)).toEqual(["place #2 on 1 tile"]);
    reduce(s, { time: 0, hello: { board: "b2", policy: "fcfs", width: 2, height: 2 } });
    const r = delta(s, s.rev - 1);
    expect(r.kind).toBe("snapshot");
    if (r.kind === "snapshot") expect(r).toMatchObject({ board: "b2", policy: "fcfs", tiles: [-1, -1, -1, -1], tasks: [] });
  });
});

describe("against a real simulation", () => {
  it("totals agree with the simulator's run log, and every tile is free at the end", async () => {
    const { events, log } = await simulationEvents(400, 9000, 3);
    const s = fold(events, initialState({ bucketNs: 100_000 }));
    const finished = log.tasks.filter((t) => t.finishNs !== undefined);
    const controllerDrops = log.tasks.filter((t) => t.dropped !== undefined && t.dropped !== "dependency");
    expect(s.totals.arrivals).toBe(400);
    expect(s.totals.completions).toBe(finished.length);
    expect(s.totals.late).toBe(finished.filter(isLate).length);
    expect(Object.values(s.totals.drops).reduce((a, b) => a + b, 0)).toBe(controllerDrops.length);
    expect(s.totals.preemptions).toBe(log.preemptions);
    expect(s.totals.decisions).toBe(log.decisionWork.length);
    // every task settles in this workload, so the monitor's violations are the run's violation rate
    expect(s.totals.violations / s.totals.arrivals).toBeCloseTo(computeMetrics(log).violationRate, 12);
    expect(s.tiles.every((o) => o === -1)).toBe(true);
    expect(s.totals.preemptions).toBeGreaterThan(0); // the load is heavy enough to exercise pre-emption
  });
});
