// Hardware in the loop through a broker that dies mid-run: the test's own Mosquitto is killed
// while tasks are in flight and started again on the same port 1.5 s later. Both sides reconnect
// (mqtt.js every second, resubscribing), the protocol's own ACK and retry carries what was in
// flight (PROTOCOL.md §5.2), and every arrival still ends completed, late or dropped: none lost,
// none counted twice.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto } from "../../host/net/mosquitto.js";
import { loadScenario } from "../../host/workloads/scenario.js";
import { lacksCommand } from "../support/requires.js";
import { type Proc, immschedProc, stop, waitFor } from "./processes.js";

const NO_MOSQUITTO = lacksCommand("mosquitto", "mosquitto", "a broker restart mid-run through a Mosquitto of the test's own");
const SCENARIO = ["--scenario", "outdoor_activity_A", "--seed", "3"];

describe.skipIf(NO_MOSQUITTO)("a broker restart mid-run", () => {
  let dir: string;
  const procs: Proc[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "immsched-broker-restart-"));
  });
  afterAll(async () => {
    for (const p of procs) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses no task and counts none twice", async () => {
    const expected = loadScenario("outdoor_activity_A", { seed: 3, board: { mesh: { width: 8, height: 8, torus: false } } }).arrivals
      .length;
    const broker = await startMosquitto();
    try {
      const board = immschedProc(["board", "--mqtt", broker.url, "--id", "br1", ...SCENARIO, "--time-scale", "0.25"]);
      procs.push(board);
      const out = join(dir, "run.json");
      const run = immschedProc(["run", "--board", `${broker.url}/br1`, ...SCENARIO, "--duration", "30", "--json", out]);
      procs.push(run);
      // kill it once tasks are under way (the host prints its progress lines as they arrive)
      await waitFor(() => /arrived [1-9]/.test(run.stdout()), 20_000, "the first arrivals");
      await broker.restart(1500);
      const code = await run.exited;
      expect(code, run.stderr()).toBe(0);
      const json = JSON.parse(readFileSync(out, "utf8"));
      expect(json.tasks.arrived).toBe(expected);
      expect(json.tasks.lost).toBe(0);
      expect(json.tasks.completed + json.tasks.dropped).toBe(expected);
      console.log(`broker restart: ${JSON.stringify(json.tasks)} link ${JSON.stringify(json.link)}`);
    } finally {
      broker.close();
    }
  }, 90_000);
});
