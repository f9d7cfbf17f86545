// The run's status on the monitor: /healthz for supervisors (200 while the board is heard or not
// yet expected, 503 once it is lost), the status in /api/state, and a `status` event pushed to
// every page at once, also to a page that connects later.
import { afterEach, describe, expect, it } from "vitest";
import { type Monitor, startMonitor } from "../../../host/monitor/server.js";

let m: Monitor | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

/** Reads the SSE stream until `until` matches what came so far. */
async function readEvents(url: string, until: RegExp, onOpen?: () => void): Promise<string> {
  const res = await fetch(`${url}events`);
  const reader = res.body!.getReader();
  let text = "";
  onOpen?.();
  while (!until.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return text;
}

describe("monitor run status", () => {
  it("/healthz follows the board: 200 while starting and live, 503 once lost, 200 again when it is back", async () => {
    m = await startMonitor({ port: 0, processMetrics: false });
    const get = async () => {
      const r = await fetch(`${m!.url}healthz`);
      return { code: r.status, body: await r.json() };
    };
    expect(await get()).toEqual({ code: 200, body: { ok: true, phase: "starting", board: "waiting" } });
    m.setStatus({ phase: "running", board: "live" });
    expect(await get()).toEqual({ code: 200, body: { ok: true, phase: "running", board: "live" } });
    m.setStatus({ phase: "running", board: "lost" });
    expect(await get()).toEqual({ code: 503, body: { ok: false, phase: "running", board: "lost" } });
    m.setStatus({ phase: "ended", board: "live", reason: "SIGTERM" });
    expect(await get()).toEqual({ code: 200, body: { ok: true, phase: "ended", board: "live", reason: "SIGTERM" } });
    expect((await fetch(`${m.url}healthz`, { method: "HEAD" })).status).toBe(200);
  });

  it("pushes each status to the open pages, gives a new page the current one, and puts it in /api/state", async () => {
    m = await startMonitor({ port: 0, processMetrics: false });
    const summary = { tasks: { arrived: 3, completed: 3, late: 0, dropped: 0, lost: 0 } };
    const live = readEvents(m.url, /"phase":"ended"/, () => setTimeout(() => m!.setStatus({ phase: "ended", board: "live", summary }), 50));
    const text = await live;
    expect(text).toMatch(/event: status\ndata: \{"phase":"starting","board":"waiting"\}/);
    expect(text).toMatch(/event: status\ndata: \{"phase":"ended","board":"live","summary":\{"tasks":\{"arrived":3/);
    const later = await readEvents(m.url, /event: status/);
    expect(later).toMatch(/"phase":"ended"/);
    const state = (await (await fetch(`${m.url}api/state`)).json()) as { status: unknown; rev: number };
    expect(state.status).toEqual({ phase: "ended", board: "live", summary });
    expect(state.rev).toBeTypeOf("number");
  });
});
