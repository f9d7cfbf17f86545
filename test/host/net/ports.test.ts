// freePorts: the ports a cluster of brokers is started on are distinct (held open until all are
// picked) and free to listen on.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts } from "../../../host/net/ports.js";

describe("freePorts", () => {
  it("gives n distinct ports, each free to listen on once given", async () => {
    const ports = await freePorts(48);
    expect(ports).toHaveLength(48);
    expect(new Set(ports).size).toBe(48);
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      await new Promise((r) => s.close(r));
    }
  });
});
