// The host's tables of the core's ids (policies, command kinds, drop reasons) against the ids the
// compiled core exports: the names live in the host, the numbers in the core, and this keeps them
// in step.
import { readFileSync } from "node:fs";
import { instantiateSync } from "@assemblyscript/loader";
import { describe, expect, it } from "vitest";
import { ALL_POLICIES, COMMAND_KINDS } from "../../host/core/controller.js";
import { RELEASE_WASM } from "../../host/core/core.js";
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
});
