// `immsched tune`'s settings files as bench and run read them (--config): bad ones are refused
// with the file and the field named.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../../host/formats/input-error.js";
import { readTunedSettings } from "../../../host/tune/settings.js";

const dir = mkdtempSync(join(tmpdir(), "immsched-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(text: string): unknown {
  const file = join(dir, "s.json");
  writeFileSync(file, text);
  return readTunedSettings(file);
}

function errorOf(text: string): InputError {
  try {
    read(text);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("tuned settings files", () => {
  it("reads a valid one", () => {
    expect(read('{"version": 1, "policy": "immsched", "params": {"slackShare": 0.4}}')).toMatchObject({ params: { slackShare: 0.4 } });
  });

  it.each([
    ['{"version": 1, "policy": "immsched", "params": {"slackShare": 7}}', "params.slackShare", /7|1/],
    ['{"version": 1, "policy": "immsched", "params": {"speed": 1}}', "params.speed", /unknown field "speed"/],
    ['{"version": 1, "policy": "nope", "params": {}}', "policy", /immsched/],
    ['{"version": 2, "policy": "immsched", "params": {}}', "version", /1/],
  ])("refuses %s naming the field", (text, field, message) => {
    const e = errorOf(text);
    expect(e.field).toBe(field);
    expect(e.file).toMatch(/s\.json$/);
    expect(e.reason).toMatch(message);
  });

  it("names the line of a JSON syntax error", () => {
    const e = errorOf('{"version": 1,\n  "policy": }');
    expect(e.message).toMatch(/s\.json/);
    expect(e.message).toMatch(/line 2|2:/);
  });
});
