// `immsched fleet` as a user runs it (the real command in a child process): bad input exits 2
// before anything starts; a run on Mosquitto (frames) with leases on a NATS node, one host killed,
// writes the JSON the README documents, with nothing lost.
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { immsched } from "../../support/cli.js";
import { lacksCommand } from "../../support/requires.js";

describe("immsched fleet: bad input", () => {
  it("names the problem and exits 2, writing nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "immsched-fleet-"));
    const out = join(dir, "r.json");
    const cases: Array<[string[], RegExp]> = [
      [["--scenario", "nope"], /unknown scenario 'nope'/],
      [["--hosts", "1", "--kill-host-after", "1"], /--kill-host-after needs --hosts 2 or more/],
      [["--broker", "mosquitto", "--kill-broker-node-after", "1"], /--kill-broker-node-after needs --broker nats-cluster/],
      [["--boards", "0"], /--boards must be a positive integer/],
      [["--kill-broker-node-after", "1", "--kill-broker-node", "n9"], /--kill-broker-node.*'n9'.*sessions-leader/],
    ];
    for (const [extra, message] of cases) {
      const r = immsched(["fleet", "--boards", "2", "--hosts", "2", "--duration", "1", "--json", out, ...extra]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});

const missing = lacksCommand("nats-server", "nats-server", "immsched fleet") || lacksCommand("mosquitto", "mosquitto", "immsched fleet");

describe.skipIf(missing)("immsched fleet on Mosquitto", () => {
  it("moves the killed host's boards to the other host and writes the result as JSON", { timeout: 240_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "immsched-fleet-"));
    const out = join(dir, "r.json");
    const r = immsched(
      [
        "fleet",
        "--boards",
        "2",
        "--hosts",
        "2",
        "--broker",
        "mosquitto",
        "--duration",
        "2",
        "--time-scale",
        "0.5",
        "--kill-host-after",
        "2",
        "--json",
        out,
        "--quiet",
      ],
      undefined,
      200_000,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(out, "utf8"));
    expect(j).toMatchObject({ boards: 2, hosts: 2, broker: "mosquitto" });
    expect(Object.keys(j.tasks).sort()).toEqual(["arrived", "completed", "dropped", "late", "lost"]);
    expect(j.tasks.arrived).toBeGreaterThan(0);
    expect(j.tasks.lost).toBe(0);
    expect(j.killedHost.host).toBe("h1");
    expect(j.perHost.map((h: { host: string }) => h.host)).toEqual(["h1", "h2"]);
    const orphaned = j.failovers.filter((x: { cause: string }) => x.cause === "host-killed");
    expect(orphaned.length).toBeGreaterThan(0);
    for (const f of orphaned) {
      expect(f).toMatchObject({ fromHost: "h1", toHost: "h2" });
      expect(f.gapMs).toBeGreaterThanOrEqual(0);
    }
    expect(r.stdout).toMatch(/fleet · 2 boards · 2 hosts · mosquitto/);
  });
});
