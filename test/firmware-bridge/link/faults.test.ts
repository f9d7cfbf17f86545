// Fault injection (firmware-bridge/link/faults.ts): the `--faults` syntax and its errors, the
// faults themselves on a real in-process link (the real COBS framing and codec on both ends), and
// that every injected fault is seen, and counted, by the receiving side.
import { describe, expect, it } from "vitest";
import { FaultyTransport, describeFaults, parseFaults } from "../../../firmware-bridge/link/faults.js";
import { transportPair } from "../../../firmware-bridge/link/pair.js";
import { decodeFrame, encodeMessage } from "../../../firmware-bridge/protocol/index.js";

const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("parseFaults", () => {
  it("reads every fault, probabilities or percentages, in any order", () => {
    expect(parseFaults("drop=0.05,corrupt=5%,dup=0.1,delay=20,reset-after=3.5,seed=9")).toEqual({
      drop: 0.05,
      corrupt: 0.05,
      dup: 0.1,
      delayMs: 20,
      resetAfterS: 3.5,
      seed: 9,
    });
    expect(parseFaults(" reset-after = 2 ")).toEqual({ drop: 0, corrupt: 0, dup: 0, delayMs: 0, resetAfterS: 2 });
    const spec = parseFaults("dup=1");
    expect(parseFaults(describeFaults(spec))).toEqual(spec);
  });

  it.each([
    ["", /empty/],
    ["drop", /"drop" is not KEY=VALUE/],
    ["lose=0.1", /unknown fault "lose"/],
    ["drop=1.5", /drop must be a probability in 0\.\.1/],
    ["drop=-0.1", /drop must be a probability/],
    ["corrupt=abc", /corrupt must be a probability/],
    ["dup=120%", /dup must be a probability/],
    ["drop=0.6,corrupt=0.6", /must not exceed 1/],
    ["delay=-1", /delay must be 0\.\.60000 milliseconds/],
    ["delay=1e9", /delay must be 0\.\.60000/],
    ["reset-after=0", /reset-after must be > 0/],
    ["drop=0.1,drop=0.2", /"drop" given twice/],
    ["seed=1.5", /seed must be an integer/],
  ])("refuses %j with a message naming the fault", (text, message) => {
    expect(() => parseFaults(text)).toThrow(message);
  });
});

/** Sends n distinct frames from a faulty end; returns what the far end received, decoded. */
async function pump(spec: string, n: number, seed: number, waitMs = 0) {
  const [a, b] = transportPair();
  const faulty = new FaultyTransport(a, parseFaults(spec), seed);
  const got: number[] = [];
  let rejected = 0;
  b.onFrame((frame) => {
    const r = decodeFrame(frame);
    if (r.ok && r.message.type === "heartbeat") got.push(r.message.counter);
    else rejected++;
  });
  for (let i = 0; i < n; i++) faulty.send(encodeMessage({ type: "heartbeat", boardTimeNs: i, counter: i, rxRejected: 0 }, i), "heartbeat");
  await settle(waitMs);
  await settle();
  await faulty.close();
  return { got, rejected, injected: faulty.injected };
}

describe("FaultyTransport", () => {
  it("drops, corrupts and repeats frames at about the rates asked, and the receiver sees exactly those", async () => {
    const n = 4000;
    const { got, rejected, injected } = await pump("drop=0.1,corrupt=0.1,dup=0.1", n, 7);
    const { dropped, corrupted, duplicated } = injected.tx;
    for (const k of [dropped, corrupted, duplicated]) {
      expect(k).toBeGreaterThan(n * 0.08);
      expect(k).toBeLessThan(n * 0.12);
    }
    // every corrupted frame fails the CRC (CRC-16 catches every single-byte error), none slips through
    expect(rejected).toBe(corrupted);
    expect(got.length).toBe(n - dropped - corrupted + duplicated);
    expect(new Set(got).size).toBe(n - dropped - corrupted);
    expect(injected.rx).toEqual({ dropped: 0, corrupted: 0, duplicated: 0, delayed: 0 });
  });

  it("injects the same faults in the same frames for the same seed", async () => {
    const one = await pump("drop=0.2,corrupt=0.2,dup=0.2", 500, 3);
    const two = await pump("drop=0.2,corrupt=0.2,dup=0.2", 500, 3);
    const other = await pump("drop=0.2,corrupt=0.2,dup=0.2", 500, 4);
    expect(two.got).toEqual(one.got);
    expect(other.got).not.toEqual(one.got);
  });

  it("delays frames (they may overtake each other) and still delivers every one", async () => {
    const { got, injected } = await pump("delay=15", 300, 5, 40);
    expect(injected.tx.delayed).toBe(300);
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(got).not.toEqual([...got].sort((x, y) => x - y)); // uniform 0..15 ms holds reorder them
  });

  it("injects on received frames too, counted apart from sent ones", async () => {
    const [a, b] = transportPair();
    const faulty = new FaultyTransport(b, parseFaults("drop=0.5"), 11);
    let got = 0;
    faulty.onFrame(() => got++);
    for (let i = 0; i < 400; i++) a.send(encodeMessage({ type: "hello_request" }, i), "hello_request");
    await settle(5);
    expect(faulty.injected.rx.dropped).toBeGreaterThan(150);
    expect(got).toBe(400 - faulty.injected.rx.dropped);
    expect(faulty.injected.tx.dropped).toBe(0);
    await faulty.close();
  });

  it("sends nothing held back once closed", async () => {
    const [a, b] = transportPair();
    const faulty = new FaultyTransport(a, parseFaults("delay=50"), 1);
    let got = 0;
    b.onFrame(() => got++);
    for (let i = 0; i < 20; i++) faulty.send(encodeMessage({ type: "hello_request" }, i), "hello_request");
    await faulty.close();
    await settle(70);
    expect(got).toBe(0);
  });
});
