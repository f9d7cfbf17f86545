// Leases in a JetStream key-value bucket on a real nats-server (one node of our own, on free ports):
// exactly one of two racing holders wins, a renewal by a holder that lost the key says so, an
// expired lease can be taken over, and a release frees the key at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { startNatsCluster, type NatsCluster } from "../../../host/fleet/nats-cluster.js";
import { FENCE_HEADROOM, LeaseTable } from "../../../host/fleet/lease.js";
import { lacksCommand } from "../../support/requires.js";

const missing = lacksCommand("nats-server", "nats-server", "fleet leases");

describe.skipIf(missing)("leases in a JetStream KV bucket", () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await startNatsCluster(1);
    nc = await connect({ servers: cluster.natsUrls });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
  });

  async function table(bucket: string, holder: string, now: () => number, leaseMs = 1000, requestMs = 5000): Promise<LeaseTable> {
    const kv = await nc.jetstream({ timeout: requestMs }).views.kv(bucket, { history: 1 });
    const t = new LeaseTable(kv, holder, leaseMs, now);
    await t.follow();
    return t;
  }

  it("lets exactly one of two racing holders take a free key", async () => {
    const now = () => 1_000_000;
    const a = await table("race", "a", now);
    const b = await table("race", "b", now);
    const [wa, wb] = await Promise.all([a.claim("board-1"), b.claim("board-1")]);
    expect([wa, wb].filter(Boolean)).toHaveLength(1);
    const winner = wa ? a : b;
    expect(winner.held()).toEqual(["board-1"]);
    expect(await winner.renew("board-1")).toBe("ok");
  });

  it("refuses a claim on a live lease and allows it once the lease expired; the old holder then learns it lost the key", async () => {
    let t = 5_000_000;
    const now = () => t;
    const a = await table("expiry", "a", now);
    const b = await table("expiry", "b", now);
    expect(await a.claim("board-2")).toBe(true);
    // b hears a's claim through its watch
    await expect.poll(() => b.current("board-2")?.holder).toBe("a");
    expect(await b.claim("board-2")).toBe(false);
    t += 1001; // a stopped renewing: its lease ran out
    expect(b.current("board-2")).toBeUndefined();
    expect(await b.claim("board-2")).toBe(true);
    expect(await a.renew("board-2")).toBe("lost");
    await expect.poll(() => a.current("board-2")?.holder).toBe("b");
  });

  it("frees a released key at once, and counts live holders", async () => {
    const now = () => 9_000_000;
    const a = await table("release", "a", now);
    const b = await table("release", "b", now);
    expect(await a.claim("a")).toBe(true);
    expect(await b.claim("b")).toBe(true);
    await expect.poll(() => [...a.holders().keys()].sort()).toEqual(["a", "b"]);
    expect(await a.claim("board-3")).toBe(true);
    await a.release("board-3");
    await expect.poll(() => b.current("board-3")).toBeUndefined();
    expect(await b.claim("board-3")).toBe(true);
  });

  it("hands every new holder a fencing token above every epoch an earlier holder may have used", async () => {
    let t = 20_000_000;
    const now = () => t;
    const a = await table("fence", "a", now);
    const b = await table("fence", "b", now);
    expect(await a.claim("board-4")).toBe(true);
    const first = a.current("board-4")!;
    expect(first.fence).toBeGreaterThan(first.base);
    // a renews after using epochs far beyond its first fence: the fence follows
    expect(await a.renew("board-4", first.base + 5 * FENCE_HEADROOM)).toBe("ok");
    const renewed = a.current("board-4")!;
    expect(renewed.fence).toBe(first.base + 6 * FENCE_HEADROOM);
    await expect.poll(() => b.current("board-4")?.fence).toBe(renewed.fence);
    t += 1001; // a died: b takes the board, its epochs start above a's fence
    expect(await b.claim("board-4")).toBe(true);
    const second = b.current("board-4")!;
    expect(second.base).toBe(renewed.fence + 1);
    // a release keeps the fence for the next holder
    await b.release("board-4", second.base + 7);
    await expect.poll(() => a.current("board-4")).toBeUndefined();
    expect(await a.claim("board-4")).toBe(true);
    expect(a.current("board-4")!.base).toBe(second.fence + 1);
  });

  it("keeps every lease live through an outage of the bucket and one lease after it, so a live holder keeps its keys", async () => {
    let t = 30_000_000;
    const now = () => t;
    // requests give up after 300 ms of real time (the node is frozen meanwhile)
    const a = await table("outage", "a", now, 1000, 300);
    const b = await table("outage", "b", now, 1000, 300);
    expect(await a.claim("board-5")).toBe(true);
    expect(await a.claim("board-6")).toBe(true);
    await expect.poll(() => b.current("board-6")?.holder).toBe("a");
    cluster.pause(0); // the bucket stops answering (the node is frozen, as while its stream elects a leader)
    try {
      t += 500;
      expect(await a.renew("board-5")).toBe("unavailable");
      t += 1000; // by the clock a's leases ran out meanwhile
      expect(await b.claim("board-5")).toBe(false); // unanswered: b now knows of the outage
      expect(b.outage).toBe(true);
      expect(b.current("board-5")?.holder).toBe("a");
    } finally {
      cluster.resume(0);
    }
    // the bucket answers again: b's claim reads first and finds the lease in its grace
    expect(await b.claim("board-5")).toBe(false);
    expect(b.outage).toBe(false);
    expect(b.current("board-6")?.holder).toBe("a");
    expect([...b.holders().keys()]).toEqual(["a"]);
    // a renews one of its keys within the grace; the other it lets go
    t += 900;
    expect(await a.renew("board-5")).toBe("ok");
    expect(await b.claim("board-6")).toBe(false);
    t += 101; // one lease after the bucket answered again: the key a did not renew is free
    expect(await b.claim("board-6")).toBe(true);
    expect(await b.claim("board-5")).toBe(false);
    await expect.poll(() => b.current("board-5")?.holder).toBe("a");
  });

  it("takes a holder's leases as expired at once when it is known dead, until it writes again", async () => {
    const t = 40_000_000;
    const now = () => t;
    const a = await table("dead", "a", now);
    const b = await table("dead", "b", now);
    expect(await a.claim("board-7")).toBe(true);
    expect(await a.claim("board-8")).toBe(true);
    await expect.poll(() => b.current("board-8")?.holder).toBe("a");
    // a's will: its leases end now, not at their until
    b.markDead("a");
    expect(b.current("board-7")).toBeUndefined();
    expect([...b.holders().keys()]).toEqual([]);
    // a was not dead after all: its renewal (a later revision) makes that lease live again
    expect(await a.renew("board-8")).toBe("ok");
    await expect.poll(() => b.current("board-8")?.holder).toBe("a");
    expect(await b.claim("board-8")).toBe(false);
    // the lease a did not renew is b's
    expect(await b.claim("board-7")).toBe(true);
    expect(await a.renew("board-7")).toBe("lost");
    // a holder never takes itself for dead
    a.markDead("a");
    expect(a.current("board-8")?.holder).toBe("a");
  });
});
