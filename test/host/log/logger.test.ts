// The runtime's log: one JSON object per line with format json (what journald and log shippers
// take), a readable line otherwise, and levels below the chosen one left out.
import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../../../host/log/logger.js";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("logger", () => {
  it("json: one object per line with level, time, msg and the fields; below the level nothing", () => {
    const out = sink();
    const log = createLogger({ format: "json", level: "info", destination: out.stream });
    log.debug("not shown");
    log.info({ tasks: { arrived: 3 } }, "run started");
    log.error({ boardLost: 1 }, "board lost");
    const lines = out
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, name: "immsched", msg: "run started", tasks: { arrived: 3 } });
    expect(lines[0].time).toBeTypeOf("number");
    expect(lines[1]).toMatchObject({ level: 50, msg: "board lost", boardLost: 1 });
  });

  it("pretty: one readable line per event, the level by name, no colour off a terminal", () => {
    const out = sink();
    const log = createLogger({ format: "pretty", level: "warn", destination: out.stream });
    log.info("not shown");
    log.warn({ dropped: 2 }, "tasks still running after the grace period dropped");
    const lines = out.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: tasks still running after the grace period dropped \{"dropped":2\}$/);
  });
});
