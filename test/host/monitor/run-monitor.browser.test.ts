// The dashboard of a running `immsched run --monitor` (the real runtime, the virtual board over the
// in-process link, VR_gaming, immsched) in Debian's Chromium: the page loads without console
// errors, the tile map changes as tasks are placed, a chart gets points, /metrics parses; the
// screenshot goes to build/dashboard-run.png. The board runs at a tenth of real time so the run
// lasts long enough to watch.
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../host/net/ports.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { BROWSER_LANGS, launchChromium } from "../../support/browser.js";
import { immschedProc, stop, waitFor, type Proc } from "../../hil/processes.js";

const SCREENSHOT = fileURLToPath(new URL("../../../build/dashboard-run.png", import.meta.url));

type W = Window & { __immsched: { charts: Record<string, { data: Array<Array<number | null>> }> } };

describe.each(BROWSER_LANGS)("dashboard of immsched run --monitor (LANG=%s)", (lang) => {
  // a run per language: the run ends with its workload, and the dashboard with it
  let browser: Browser;
  let run: Proc;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    run = immschedProc(["run", "--monitor", String(port), "--time-scale", "0.1", "--duration", "40", "--quiet"]);
    url = `http://127.0.0.1:${port}/`;
    await waitFor(() => run.stdout().includes(`monitor: ${url}`), 20_000, "the run to print its monitor URL");
    browser = await launchChromium(lang);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await stop(run);
  });

  it("shows the live run: tiles taken by tasks, chart points, no console errors; /metrics parses", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll("#mesh .cell").length === 64, undefined, { timeout: 15_000 });
    // tasks get placed: some tile gets an owner, and later the owners change
    await page.waitForFunction(() => document.querySelectorAll("#mesh .cell:not([data-owner='-1'])").length > 0, undefined, {
      timeout: 15_000,
    });
    const first = await page.$$eval("#mesh .cell", (cells) => cells.map((c) => c.getAttribute("data-owner")).join(","));
    await page.waitForFunction(
      (before) =>
        Array.from(document.querySelectorAll("#mesh .cell"))
          .map((c) => c.getAttribute("data-owner"))
          .join(",") !== before,
      first,
      { timeout: 15_000 },
    );
    // a chart has points
    await page.waitForFunction(
      () => Object.values((window as unknown as W).__immsched?.charts ?? {}).some((c) => (c.data[0]?.length ?? 0) > 1),
      undefined,
      { timeout: 20_000 },
    );
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);

    // Prometheus text: every line is a comment or a sample with a numeric value
    const text = await (await fetch(`${url}metrics`)).text();
    const lines = text.split("\n").filter((l) => l.length > 0);
    for (const l of lines) {
      expect(l, l).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf))$/);
    }
    const arrivals = lines.find((l) => l.startsWith("immsched_arrivals_total{"));
    expect(Number(arrivals?.split(" ").pop())).toBeGreaterThan(0);
    const state = await (await fetch(`${url}api/state`)).json();
    expect(state).toBeTypeOf("object");
  }, 90_000);
});
