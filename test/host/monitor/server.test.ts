// The monitor server on an ephemeral port: every line of /metrics parsed strictly, counts equal to
// what was pushed; /api/state, the static files and the SSE stream.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../../../host/runtime/events.js";
import type { DropReason } from "../../../firmware-bridge/protocol/index.js";
import { startMonitor, type Monitor } from "../../../host/monitor/server.js";
import type { Delta, Snapshot } from "../../../host/monitor/state.js";

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_VALUE = String.raw`"(?:[^"\\\n]|\\["\\n])*"`;
const LABELS = String.raw`\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*)?\}`;
const VALUE = String.raw`(?:[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|NaN|[-+]Inf)`;
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})(?: -?\\d+)?$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format strictly: any line that is not HELP, TYPE, a sample or empty fails. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split("\n");
  expect(lines[lines.length - 1]).toBe(""); // ends with a newline
  for (const line of lines) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      expect(line, `bad HELP line: ${line}`).toMatch(HELP);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const m = TYPE.exec(line);
      expect(m, `bad TYPE line: ${line}`).not.toBeNull();
      expect(types.has(m![1]!), `TYPE twice: ${line}`).toBe(false);
      types.set(m![1]!, m![2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `bad sample line: ${JSON.stringify(line)}`).not.toBeNull();
    const name = m![1]!;
    const labels: Record<string, string> = {};
    for (const l of (m![2] ?? "").slice(1, -1).matchAll(new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${LABEL_VALUE})`, "g"))) {
      labels[l[1]!] = l[2]!.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = Number(m![3]!.replace(/^\+/, "").replace("Inf", "Infinity"));
    expect(Number.isNaN(value) && m![3] !== "NaN", `value of ${line}`).toBe(false);
    // every sample belongs to a declared family (histograms add _bucket, _sum, _count)
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    expect(types.has(family), `sample before its TYPE: ${line}`).toBe(true);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

const BOARD = 'lab "A"\\1'; // quotes and a backslash: label escaping must hold
const ev = {
  arrival: (time: number, id: number, deadlineNs: number): RuntimeEvent => ({
    time,
    arrival: { id, model: "m", priority: 1, arrivalNs: time, deadlineNs },
  }),
  place: (time: number, taskId: number, tiles: number[]): RuntimeEvent => ({
    time,
    command: { kind: "place", epoch: time, taskId, stages: tiles.length, tiles },
  }),
  preempt: (time: number, taskId: number): RuntimeEvent => ({ time, command: { kind: "preempt", epoch: time, taskId } }),
  drop: (time: number, taskId: number, reason: string): RuntimeEvent => ({
    time,
    command: { kind: "drop", epoch: time, taskId, reason: reason as DropReason },
  }),
  done: (time: number, taskId: number): RuntimeEvent => ({ time, board: { kind: "done", taskId, time, energyPJ: 0 } }),
};

let monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.map((m) => m.close()));
  monitors = [];
});
const start = async (o: Parameters<typeof startMonitor>[0]) => {
  const m = await startMonitor(o);
  monitors.push(m);
  return m;
};

describe("monitor server", () => {
  it("serves Prometheus text whose every line parses and whose counts match the pushed events", async () => {
    const m = await start({ port: 0, board: BOARD, policy: "isosched" });
    expect(m.port).toBeGreaterThan(0);
    expect(m.url).toBe(`http://127.0.0.1:${m.port}/`);
    // 30 tasks: 20 done (5 of them late), 6 dropped for the deadline, 4 for a full queue; 7 pre-emptions
    const micros: number[] = [];
    for (let id = 1; id <= 30; id++) {
      const t = id * 1000;
      m.push(ev.arrival(t, id, t + 500));
      const us = (id * 37) % 900; // 0..899 µs spread over the buckets
      micros.push(us);
      m.push({ time: t, decision: { micros: us, work: id } });
      if (id <= 20) {
        m.push(ev.place(t + 1, id, [id % 64]));
        if (id <= 7) {
          m.push(ev.preempt(t + 2, id));
          m.push(ev.place(t + 3, id, [id % 64]));
        }
        m.push(ev.done(id <= 5 ? t + 900 : t + 100, id));
      } else m.push(ev.drop(t + 1, id, id <= 26 ? "deadline" : "queue-full"));
    }
    m.push({ time: 40_000, link: { framesSent: 100, framesReceived: 90, framesRejected: 2, retries: 3 } });
    m.push({ time: 41_000, link: { framesSent: 130, framesReceived: 120, framesRejected: 2, retries: 4 } });

    const res = await fetch(`${m.url}metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseExposition(await res.text());
    const one = (name: string, extra: Record<string, string> = {}) => {
      const found = samples.filter((s) => s.name === name && Object.entries(extra).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(extra)}`).toHaveLength(1);
      expect(found[0]!.labels.board).toBe(BOARD);
      expect(found[0]!.labels.policy).toBe("isosched");
      return found[0]!.value;
    };
    expect(types.get("immsched_arrivals_total")).toBe("counter");
    expect(types.get("immsched_decision_latency_seconds")).toBe("histogram");
    expect(one("immsched_arrivals_total")).toBe(30);
    expect(one("immsched_completions_total")).toBe(20);
    expect(one("immsched_violations_total")).toBe(15); // 5 late + 10 dropped
    expect(one("immsched_drops_total", { reason: "deadline" })).toBe(6);
    expect(one("immsched_drops_total", { reason: "queue-full" })).toBe(4);
    expect(one("immsched_preemptions_total")).toBe(7);
    expect(one("immsched_link_frames_total", { direction: "sent" })).toBe(130);
    expect(one("immsched_link_frames_total", { direction: "received" })).toBe(120);
    expect(one("immsched_link_errors_total", { kind: "rejected" })).toBe(2);
    expect(one("immsched_link_errors_total", { kind: "retry" })).toBe(4);
    // arrival + decision each, place + done for 20, preempt + place for 7, a drop for 10, two link reports
    expect(one("immsched_monitor_events_total")).toBe(30 * 2 + 20 * 2 + 7 * 2 + 10 + 2);
    expect(one("immsched_decision_latency_seconds_count")).toBe(30);
    expect(one("immsched_decision_latency_seconds_sum")).toBeCloseTo(micros.reduce((a, b) => a + b, 0) / 1e6, 9);
    // buckets are cumulative and agree with the observations
    const buckets = samples.filter((s) => s.name === "immsched_decision_latency_seconds_bucket");
    let prev = 0;
    for (const b of buckets) {
      expect(b.value).toBeGreaterThanOrEqual(prev);
      prev = b.value;
      const le = Number(b.labels.le!.replace("+Inf", "Infinity"));
      expect(b.value, `le=${b.labels.le}`).toBe(micros.filter((u) => u / 1e6 <= le).length);
    }
    expect(buckets[buckets.length - 1]!.labels.le).toBe("+Inf");
    // process metrics come along, on the monitor's own registry
    expect(
      samples.some(
        (s) => s.name === "immsched_monitor_process_resident_memory_bytes" || s.name === "immsched_monitor_nodejs_heap_size_used_bytes",
      ),
    ).toBe(true);

    // a second scrape only moves by what came in between
    m.push(ev.arrival(50_000, 99, 60_000));
    const again = parseExposition(await (await fetch(`${m.url}metrics`)).text()).samples;
    expect(again.find((s) => s.name === "immsched_arrivals_total")!.value).toBe(31);
  });

  it("/api/state returns the snapshot; static files come from the package and node_modules", async () => {
    const m = await start({ port: 0, board: "b", policy: "fcfs", processMetrics: false });
    m.push({ time: 0, hello: { board: "b1", policy: "prema", width: 4, height: 2 } });
    m.push(ev.arrival(5, 1, 100));
    m.push(ev.place(6, 1, [3, 4]));
    const state = (await (await fetch(`${m.url}api/state`)).json()) as Snapshot;
    expect(state).toMatchObject({
      kind: "snapshot",
      board: "b1",
      policy: "prema",
      width: 4,
      height: 2,
      tiles: [-1, -1, -1, 1, 1, -1, -1, -1],
    });
    expect(state.tasks).toEqual([expect.objectContaining({ id: 1, phase: "running", start: 6 })]);
    expect(state.totals.arrivals).toBe(1);

    const page = await fetch(m.url);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script src="/uplot.js">');
    expect(html).not.toMatch(/(?:src|href)="https?:/); // no CDN: an edge box is offline
    const uplot = await fetch(`${m.url}uplot.js`);
    expect(uplot.headers.get("content-type")).toMatch(/javascript/);
    const req = createRequire(import.meta.url);
    expect(await uplot.text()).toBe(readFileSync(req.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"));
    expect((await fetch(`${m.url}uplot.css`)).status).toBe(200);
    expect(await (await fetch(`${m.url}app.js`)).text()).toContain("EventSource");
    expect((await fetch(`${m.url}nope`)).status).toBe(404);
    expect((await fetch(`${m.url}api/state`, { method: "POST" })).status).toBe(405);
  });

  it("streams a snapshot on connect, then coalesced deltas that end at the pushed totals", async () => {
    const m = await start({ port: 0, flushMs: 50, processMetrics: false });
    m.push(ev.arrival(1, 1, 100));
    const ctrl = new AbortController();
    const res = await fetch(`${m.url}events`, { signal: ctrl.signal });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const messages: Array<{ event: string; data: Snapshot | Delta }> = [];
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return;
        buf += value;
        let k: number;
        while ((k = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) as Snapshot | Delta });
        }
      }
    })();
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(cond()).toBe(true);
    };
    await until(() => messages.length >= 1);
    expect(messages[0]!.event).toBe("snapshot");
    expect((messages[0]!.data as Snapshot).totals.arrivals).toBe(1);

    // 3,000 events in 300 ms: the page must get a handful of batches, not 3,000 messages
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) {
      for (let id = 2; id < 102; id++) m.push(ev.arrival(i * 1000 + id, i * 1000 + id, 1e9));
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => {
      const last = messages[messages.length - 1]!.data;
      return last.totals.arrivals === 3001;
    });
    const deltas = messages.filter((x) => x.event === "delta");
    const elapsed = Date.now() - t0;
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    for (const d of deltas) expect((d.data as Delta).tasks.length).toBeLessThanOrEqual(60); // only the recent window
    ctrl.abort();
    await pump;
  });

  it("runs several monitors side by side, each with its own registry", async () => {
    const a = await start({ port: 0, board: "a" });
    const b = await start({ port: 0, board: "b" });
    expect(a.port).not.toBe(b.port);
    a.push(ev.arrival(1, 1, 10));
    const ta = await a.metricsText();
    const tb = await b.metricsText();
    expect(ta).toContain('immsched_arrivals_total{board="a",policy="unknown"} 1');
    expect(tb).toContain('immsched_arrivals_total{board="b",policy="unknown"} 0');
  });

  it("a malformed event is logged and ignored instead of throwing into the runtime", async () => {
    const m = await start({ port: 0, processMetrics: false });
    m.push({ time: 1, command: { kind: "place", epoch: 1, taskId: 1 } } as unknown as RuntimeEvent); // no tiles
    m.push(ev.arrival(2, 2, 10));
    const s = m.snapshot();
    expect(s.totals.arrivals).toBe(1);
    expect(s.log.some((l) => l.level === "error" && l.text.startsWith("malformed event"))).toBe(true);
  });

  it("reports a port in use with the address", async () => {
    const a = await start({ port: 0 });
    await expect(startMonitor({ port: a.port })).rejects.toThrow(`127.0.0.1:${a.port}: EADDRINUSE`);
  });
});
