// The dashboard in headless Chromium, fed live from a real simulation (isosched on the 8x8 board,
// the Wasm core, synthetic models) at 1,000 events per second. Checks the page renders what the
// server holds, without console errors, and measures how responsive it stays; saves the README's
// screenshot to build/dashboard.png (docs/dashboard.png, shown in the README, is a copy of one).
import { mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { BROWSER_LANGS, launchChromium } from "../../support/browser.js";
import { startMonitor, type Monitor } from "../../../host/monitor/server.js";
import type { RuntimeEvent } from "../../../host/runtime/events.js";
import { replay, simulationEvents } from "./sim-feed.js";

const SCREENSHOT = fileURLToPath(new URL("../../../build/dashboard.png", import.meta.url));
const RATE = 1000;
const SECONDS = 5;

interface FrameProbe {
  gaps: number[];
  longTasks: number[];
}
type ProbeWindow = Window & {
  __probe: FrameProbe;
  __immsched: {
    stats: { snapshots: number; deltas: number; renders: number; maxRenderMs: number };
    model: { totals: { events: number } | null; series: unknown[] };
    charts: Record<string, { data: Array<Array<number | null>> }>;
  };
};

describe.each(BROWSER_LANGS)("live dashboard (LANG=%s)", (lang) => {
  let browser: Browser;
  let monitor: Monitor;
  let events: RuntimeEvent[];

  beforeAll(async () => {
    ({ events } = await simulationEvents(2500, 9000, 11));
    // board time runs ~1,000x slower than a real board at this pace: 200 µs buckets give a chart point every ~0.2 s
    monitor = await startMonitor({
      port: 0,
      board: "virtual-8x8",
      policy: "isosched",
      config: { bucketNs: 200_000 },
      processMetrics: false,
    });
    browser = await launchChromium(lang);
  });

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
  });

  it("follows a simulation at 1,000 events/s: tiles, charts, no console errors, frames keep coming", async () => {
    expect(events.length).toBeGreaterThan(RATE * SECONDS);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(monitor.url);
    await page.waitForFunction(() => (window as unknown as ProbeWindow).__immsched?.stats.snapshots >= 1);
    // the hello first: the mesh is built from it
    monitor.push(events[0]!);
    await page.waitForFunction(() => document.querySelectorAll("#mesh .cell").length === 64);
    expect(await page.locator("#mesh .cell[data-owner='-1']").count()).toBe(64);

    // frame gaps between animation frames, and long tasks (> 50 ms on the main thread)
    await page.evaluate(() => {
      const w = window as unknown as ProbeWindow;
      w.__probe = { gaps: [], longTasks: [] };
      let last = performance.now();
      const loop = (t: number) => {
        w.__probe.gaps.push(t - last);
        last = t;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__probe.longTasks.push(e.duration);
      }).observe({ type: "longtask" });
    });

    const running = replay(monitor, events, RATE, SECONDS * 1000, 1);
    let finished = false;
    void running.then(() => (finished = true));
    const tileMaps = new Set<string>();
    let maxLagEvents = 0;
    while (!finished) {
      await new Promise((r) => setTimeout(r, 200));
      const owners = await page.$$eval("#mesh .cell", (cells) => cells.map((c) => (c as HTMLElement).dataset.owner).join(","));
      tileMaps.add(owners);
      // how far the page is behind the server, in events
      const seen = await page.evaluate(() => (window as unknown as ProbeWindow).__immsched.model.totals?.events ?? 0);
      maxLagEvents = Math.max(maxLagEvents, monitor.snapshot().totals.events - seen);
    }
    const pushed = await running;
    expect(pushed).toBeGreaterThan(RATE * SECONDS * 0.9);

    // the page catches up with the server, and its tile map is the server's
    const server = monitor.snapshot();
    await page.waitForFunction((n) => (window as unknown as ProbeWindow).__immsched.model.totals?.events === n, server.totals.events);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const owners = await page.$$eval("#mesh .cell", (cells) => cells.map((c) => Number((c as HTMLElement).dataset.owner)));
    expect(owners).toEqual(server.tiles);
    const marks = await page.$$eval("#mesh .cell", (cells) => cells.map((c) => Number((c as HTMLElement).dataset.mark)));
    expect(marks).toEqual(server.marks);

    // tasks were placed: the map changed many times and held tasks
    expect(tileMaps.size).toBeGreaterThanOrEqual(5);
    expect([...tileMaps].some((m) => m.split(",").some((o) => Number(o) >= 0))).toBe(true);

    // the charts have points, one per bucket the server holds, and the latency chart has values
    const charts = await page.evaluate(() => {
      const c = (window as unknown as ProbeWindow).__immsched.charts;
      return {
        throughput: c.throughput!.data[0]!.length,
        latencyValues: c.latency!.data[1]!.filter((v) => v !== null).length,
        violationValues: c.violations!.data[1]!.filter((v) => v !== null).length,
        ganttRows: Number(document.getElementById("gantt")!.dataset.tasks),
        logRows: document.querySelectorAll("#log li").length,
      };
    });
    expect(charts.throughput).toBe(server.series.length);
    expect(charts.throughput).toBeGreaterThan(5);
    expect(charts.latencyValues).toBeGreaterThan(5);
    expect(charts.violationValues).toBeGreaterThan(0);
    expect(charts.ganttRows).toBe(server.tasks.length);
    expect(charts.logRows).toBeGreaterThan(50);

    const probe = await page.evaluate(() => {
      const w = window as unknown as ProbeWindow;
      return { gaps: w.__probe.gaps, longTasks: w.__probe.longTasks, stats: w.__immsched.stats };
    });
    const gaps = [...probe.gaps].sort((a, b) => a - b);
    const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor((p / 100) * gaps.length))]!;
    const figure = {
      eventsPushed: pushed - 1,
      seconds: SECONDS,
      frames: gaps.length,
      frameGapP50Ms: +q(50).toFixed(1),
      frameGapP99Ms: +q(99).toFixed(1),
      frameGapMaxMs: +gaps[gaps.length - 1]!.toFixed(1),
      longTasks: probe.longTasks.length,
      longTaskMaxMs: +Math.max(0, ...probe.longTasks).toFixed(1),
      renders: probe.stats.renders,
      deltas: probe.stats.deltas,
      maxRenderMs: +probe.stats.maxRenderMs.toFixed(1),
      maxLagEvents,
    };
    console.log(`dashboard responsiveness at ${RATE} events/s: ${JSON.stringify(figure)}`);
    // loose bounds only: the exact figures depend on the machine
    expect(gaps.length).toBeGreaterThan(SECONDS * 10);
    expect(figure.frameGapMaxMs).toBeLessThan(1000);
    expect(probe.stats.renders).toBeGreaterThan(SECONDS * 5);
    expect(probe.stats.deltas).toBeGreaterThan(SECONDS * 5);
    expect(errors).toEqual([]);

    // the README's picture: mid-run (the replay stopped half-way through the simulation)
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    await page.close();
  });
});
