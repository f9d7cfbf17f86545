// `immsched run` as a user runs it: the default in-process virtual board, the summary JSON of the
// issue, and clear failures for a bad --board or an unreachable device.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { METRIC_NAMES } from "../../../host/sim/metrics.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-run-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched run", () => {
  it("runs VR_gaming on the in-process virtual board and writes the summary JSON", () => {
    const json = join(dir, "run.json");
    // a quarter of real time: the figures stay stable on a busy CI machine
    const r = immsched(["run", "--time-scale", "0.25", "--json", json, "--quiet"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/summary · VR_gaming · immsched/);
    const out = JSON.parse(readFileSync(json, "utf8"));
    expect(Object.keys(out).sort()).toEqual(["host", "link", "metrics", "tasks"]);
    expect(Object.keys(out.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    expect(Object.keys(out.tasks).sort()).toEqual(["arrived", "completed", "dropped", "late", "lost"]);
    expect(Object.keys(out.link).sort()).toEqual([
      "duplicates",
      "framesReceived",
      "framesRejected",
      "framesSent",
      "retries",
      "transportErrors",
    ]);
    expect(out.link.transportErrors).toBe(0); // the in-process link never fails
    expect(Object.keys(out.host).sort()).toEqual(["arrivalToCommandMicrosP50", "arrivalToCommandMicrosP99", "coreRestarts"]);
    expect(out.host.coreRestarts).toBe(0);
    expect(out.tasks.arrived).toBe(120);
    expect(out.tasks.completed + out.tasks.dropped).toBe(120);
    expect(out.tasks.lost).toBe(0);
    expect(out.link.framesRejected).toBe(0);
    expect(out.metrics.violationRate).toBeLessThanOrEqual(0.05);
    expect(out.host.arrivalToCommandMicrosP50).toBeGreaterThan(0);
  }, 60_000);

  it("runs over MQTT through the embedded aedes broker with --board mqtt", () => {
    const json = join(dir, "mqtt.json");
    const r = immsched(["run", "--board", "mqtt", "--time-scale", "0.25", "--json", json, "--quiet"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MQTT 3\.1\.1/); // aedes speaks 3.1.1 only: the client fell back
    const out = JSON.parse(readFileSync(json, "utf8"));
    expect(out.tasks.arrived).toBe(120);
    expect(out.tasks.lost).toBe(0);
    expect(out.link.framesRejected).toBe(0);
  }, 60_000);

  it("exits 2 for a --board it cannot read", () => {
    const r = immsched(["run", "--board", "usb:3"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--board "usb:3": expected sim \| mqtt \| serial:PATH/);
  });

  it("exits 1 with the reason, not a stack trace, when the device or broker cannot be reached", () => {
    const serial = immsched(["run", "--board", `serial:${join(dir, "no-tty")}`, "--quiet"]);
    expect(serial.status).toBe(1);
    expect(serial.stderr).toMatch(/cannot open serial port .*no-tty/);
    expect(serial.stderr).not.toMatch(/\n\s+at /);
    const mqtt = immsched(["run", "--board", "mqtt://127.0.0.1:1/b1", "--quiet", "--duration", "5"]);
    expect(mqtt.status).toBe(1);
    expect(mqtt.stderr).toMatch(/cannot connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:1/);
    expect(mqtt.stderr).not.toMatch(/\n\s+at /);
  });
});
