// Recovery from a trapped core (host/core/recoverable.ts) through the real Wasm build: the core
// is made to trap (its debug export) again and again during a stream of events, and every
// decision must equal, command for command, those of a core that never trapped.
import { describe, expect, it } from "vitest";
import { Controller, type Decision, type PolicyName } from "../../../host/core/controller.js";
import { RecoverableController, SNAPSHOT_EVERY } from "../../../host/core/recoverable.js";
import { loadScenario } from "../../../host/workloads/scenario.js";

const board = { mesh: { width: 8, height: 8, torus: false } };

type Core = Pick<Controller, "arrival" | "stageDone" | "taskDone" | "invariants" | "tileMap" | "stats">;

/**
 * Drives a core with a scenario's arrivals and a simple board: a placed or resumed task finishes
 * its isolated time later, a pre-empted or dropped one never. `beforeEach` runs before each event
 * (the test arms traps there); microtasks run between events, as between a real link's frames.
 */
async function drive(
  core: Core,
  scenario: ReturnType<typeof loadScenario>,
  beforeEach: (n: number) => void,
): Promise<Decision["commands"][]> {
  const pending = new Map<number, number>(); // task -> finish time
  const byId = new Map(scenario.arrivals.map((a) => [a.id, a]));
  const out: Decision["commands"][] = [];
  const arrivals = [...scenario.arrivals].sort((a, b) => a.arrivalNs - b.arrivalNs);
  let i = 0;
  let n = 0;
  for (;;) {
    let next: { at: number; id: number } | undefined;
    for (const [id, at] of pending) if (!next || at < next.at || (at === next.at && id < next.id)) next = { at, id };
    const a = arrivals[i];
    if (!a && !next) break;
    beforeEach(n++);
    let d: Decision;
    if (a && (!next || a.arrivalNs <= next.at)) {
      d = core.arrival(a, a.arrivalNs);
      i++;
    } else {
      pending.delete(next!.id);
      d = core.taskDone(next!.id, next!.at);
    }
    const now = a && (!next || a.arrivalNs <= next.at) ? a.arrivalNs : next!.at;
    for (const c of d.commands) {
      if (c.kind === "place" || c.kind === "resume") pending.set(c.taskId, now + byId.get(c.taskId)!.isolatedNs);
      else pending.delete(c.taskId);
    }
    out.push(d.commands);
    await null;
  }
  expect(core.invariants()).toBe(0);
  return out;
}

describe("a core that traps is restored and goes on as if it had not", () => {
  for (const [policy, spec] of [
    ["immsched", "dysta"],
    ["dysta", "dysta"],
    ["immsched", "VR_gaming"],
  ] as Array<[PolicyName, string]>) {
    it(`${policy} on ${spec}: the same commands, event for event, through a trap every 37 events`, async () => {
      const scenario = loadScenario(spec, { seed: 4, board, rate: 200, durationMs: 2000 });
      const opts = { board, policy, models: scenario.models, seed: 7 };
      const plain = await drive(Controller.createSync(opts), scenario, () => {});
      const rec = new RecoverableController(opts);
      let armed = 0;
      const trapped = await drive(rec, scenario, (n) => {
        if (n % 37 === 36) {
          rec.debugTrapNext();
          armed++;
        }
      });
      expect(trapped.length).toBe(plain.length);
      expect(trapped).toEqual(plain);
      expect(rec.restarts).toBe(armed);
      expect(armed).toBeGreaterThan(3);
      if (plain.length > 2 * SNAPSHOT_EVERY) {
        // snapshots were taken: no recovery replayed more than a snapshot period of events
        expect(rec.longestReplay).toBeLessThan(SNAPSHOT_EVERY + 1);
      }
    }, 60_000);
  }

  it("a trap that comes back on the retry goes to the caller, with the state restored", () => {
    const scenario = loadScenario("VR_gaming", { seed: 1, board });
    const rec = new RecoverableController({ board, policy: "immsched", models: scenario.models, seed: 1 });
    const first = scenario.arrivals[0]!;
    // arm, then make the retry trap too: the retry runs on the new instance, armed again below
    const retry = rec as unknown as { recover: () => void };
    const recover = retry.recover.bind(rec);
    retry.recover = () => {
      recover();
      rec.debugTrapNext();
    };
    rec.debugTrapNext();
    expect(() => rec.arrival(first, first.arrivalNs)).toThrow(WebAssembly.RuntimeError);
    retry.recover = recover;
    // the event was not applied: it is accepted as new
    const d = rec.arrival(first, first.arrivalNs);
    expect(d.commands.some((c) => c.taskId === first.id)).toBe(true);
    expect(rec.invariants()).toBe(0);
  });
});
