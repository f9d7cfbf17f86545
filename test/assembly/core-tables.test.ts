// The host's tables of the core's ids (policies, command kinds, drop reasons) against the ids the
// compiled core exports: the names live in the host, the numbers in the core, and this keeps them
// in step.
import { readFileSync } from "node:fs";
import { instantiateSync } from "@assemblyscript/loader";
import { describe, expect, it } from "vitest";
import { ALL_POLICIES, COMMAND_KINDS, Controller, DEFAULT_PARAMS, PARAM_IDS } from "../../host/core/controller.js";
import { RELEASE_WASM } from "../../host/core/core.js";
import { CoreError } from "../../host/core/errors.js";
import { DROP_REASON_BY_CODE, DROP_REASON_CODES } from "../../firmware-bridge/protocol/index.js";

const exported = new Map<string, number>();
for (const wasm of [RELEASE_WASM, RELEASE_WASM.replace(/release\.wasm$/, "debug.wasm")]) {
  const { instance } = instantiateSync(readFileSync(wasm), {});
  for (const [name, v] of Object.entries(instance.exports)) {
    if (!(v instanceof WebAssembly.Global)) continue;
    const value = Number(v.value);
    if (exported.has(name)) expect(value, `${name} in ${wasm}`).toBe(exported.get(name));
    exported.set(name, value);
  }
}
const constant = (name: string): number => {
  const v = exported.get(name);
  if (v === undefined) throw new Error(`the core exports no ${name}`);
  return v;
};
const prefixed = (prefix: string) => [...exported.keys()].filter((n) => n.startsWith(prefix));

describe("host tables match the core's exports", () => {
  it("policy names are in the core's policy-id order, one per id", () => {
    for (const [i, name] of ALL_POLICIES.entries()) expect(constant(`POLICY_${name.toUpperCase()}`), name).toBe(i);
    expect(constant("POLICY_COUNT")).toBe(ALL_POLICIES.length);
    expect(prefixed("POLICY_").length).toBe(ALL_POLICIES.length + 1);
  });

  it("command kinds decode the core's CMD_* codes", () => {
    const kinds = Object.entries(COMMAND_KINDS);
    for (const [code, kind] of kinds) expect(constant(`CMD_${kind.toUpperCase()}`), kind).toBe(Number(code));
    expect(prefixed("CMD_").length).toBe(kinds.length);
  });

  it("drop reasons name the core's DROP_* codes, both ways", () => {
    const reasons = Object.entries(DROP_REASON_CODES);
    for (const [reason, code] of reasons) {
      expect(constant(`DROP_${reason.toUpperCase().replace(/-/g, "_")}`), reason).toBe(code);
      expect(DROP_REASON_BY_CODE.get(code)).toBe(reason);
    }
    expect(prefixed("DROP_").length).toBe(reasons.length);
    expect(DROP_REASON_BY_CODE.size).toBe(reasons.length);
  });

  it("knob names are the core's PARAM_* ids (read from its source: the core does not export them, bytes are scarce)", () => {
    const src = readFileSync(new URL("../../assembly/controller/params.ts", import.meta.url), "utf8");
    const ids = new Map([...src.matchAll(/export const PARAM_([A-Z_]+): i32 = (\d+);/g)].map((m) => [m[1]!, Number(m[2])]));
    const knobs = Object.entries(PARAM_IDS);
    for (const [name, id] of knobs) expect(ids.get(name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()), name).toBe(id);
    expect(ids.get("COUNT")).toBe(knobs.length);
    expect(ids.size).toBe(knobs.length + 1);
    expect(Object.keys(DEFAULT_PARAMS).sort()).toEqual(Object.keys(PARAM_IDS).sort());
  });
});

describe("controller knobs", () => {
  const board = { mesh: { width: 4, height: 4, torus: false } };
  const models = [
    {
      name: "m",
      layerEstNs: [1e6, 1e6],
      isolatedNs: 2e6,
      variants: [{ stages: 2, estNs: 1.5e6, edges: [[0, 1]] as Array<[number, number]> }],
    },
  ];

  it("take values in range and refuse the others, naming the knob", () => {
    const c = Controller.createSync({ board, policy: "immsched", models });
    c.setParams({ slackShare: 0.5, hopelessShare: 0, dystaBeta: 1, maxVictims: 0 });
    expect(() => c.setParams({ slackShare: 0 })).toThrow(/knob slackShare = 0 is out of range/);
    expect(() => c.setParams({ maxVictims: 1.5 })).toThrow(/maxVictims/);
    expect(() => c.setParams({ dystaBeta: Number.NaN })).toThrow(/dystaBeta/);
    expect(() => c.setParams({ nope: 1 } as never)).toThrow(/unknown controller knob "nope"/);
  });

  it("act: a hopeless share of 2 drops a task a share of 0 keeps", () => {
    // 1.5 ms of pipeline, 2 ms to the deadline: hopeless only when 2 x the estimate must fit
    const task = { id: 1, model: "m", priority: 1, arrivalNs: 0, deadlineNs: 2e6 };
    const keep = Controller.createSync({ board, policy: "fcfs", models, params: { hopelessShare: 0 } });
    expect(keep.arrival(task, 0).commands.map((c) => c.kind)).toEqual(["place"]);
    const drop = Controller.createSync({ board, policy: "fcfs", models, params: { hopelessShare: 2 } });
    expect(drop.arrival(task, 0).commands.map((c) => c.kind)).toEqual(["drop"]);
  });

  it("error codes are one per error, over the whole core, each with the host's message (read from the source)", () => {
    const codes = new Map<string, number>();
    for (const file of ["../../assembly/status.ts", "../../assembly/controller/api.ts"]) {
      const src = readFileSync(new URL(file, import.meta.url), "utf8");
      for (const m of src.matchAll(/export const (E_[A-Z_]+): i32 = (-\d+);/g)) codes.set(m[1]!, Number(m[2]));
    }
    expect(codes.size).toBeGreaterThanOrEqual(15);
    const byCode = new Map<number, string>();
    for (const [name, code] of codes) {
      expect(byCode.get(code), `${name} and ${byCode.get(code)} share ${code}`).toBeUndefined();
      byCode.set(code, name);
      expect(new CoreError(code, "x").message, name).not.toMatch(/error -\d+$/);
    }
  });
});
