// The model-variant selector (host/core/variant-selector.ts): full width when the board is idle,
// narrower under a backlog, the narrowest when nothing meets the deadline; started tasks shrink the
// backlog, ended ones leave it; the same events give the same choices.
import { describe, expect, it } from "vitest";
import { type VariantChoice, VariantSelector } from "../../../host/core/variant-selector.js";

const ms = 1e6;
const CHOICES: VariantChoice[] = [
  { model: "m", width: 1, lossPoints: 0, estNs: 10 * ms },
  { model: "m@w0.75", width: 0.75, lossPoints: 2.2, estNs: 6 * ms },
  { model: "m@w0.5", width: 0.5, lossPoints: 6.9, estNs: 3 * ms },
];
const table = () => new VariantSelector(new Map([["m", CHOICES]]));

describe("variant selector", () => {
  it("runs the full width on an idle board and a model without variants as itself", () => {
    const s = table();
    expect(s.choose({ id: 1, model: "m", deadlineNs: 10 * ms }, 0)?.width).toBe(1);
    expect(s.choose({ id: 2, model: "other", deadlineNs: 10 * ms }, 0)).toBeUndefined();
  });

  it("picks narrower as the backlog grows, the narrowest when none meets the deadline", () => {
    const s = table();
    const widths: number[] = [];
    for (let id = 1; id <= 4; id++) widths.push(s.choose({ id, model: "m", deadlineNs: 19 * ms }, 0)!.width);
    // backlog 0 -> 1 (0 + 10 <= 19); 10 -> 0.75 (10 + 10 > 19, 10 + 6 <= 19); 16 -> 0.5 (16 + 3 <= 19); 19 -> none fits: 0.5
    expect(widths).toEqual([1, 0.75, 0.5, 0.5]);
    expect(s.backlogNs(0)).toBe(22 * ms);
  });

  it("a started task's remaining work shrinks with time; an ended one leaves the backlog", () => {
    const s = table();
    s.choose({ id: 1, model: "m", deadlineNs: 100 * ms }, 0);
    s.started(1, 2 * ms);
    expect(s.backlogNs(6 * ms)).toBe(6 * ms);
    s.started(1, 5 * ms); // a RESUME does not restart it
    expect(s.backlogNs(6 * ms)).toBe(6 * ms);
    expect(s.backlogNs(50 * ms)).toBe(0);
    s.choose({ id: 2, model: "m", deadlineNs: 100 * ms }, 6 * ms);
    s.ended(1);
    expect(s.backlogNs(6 * ms)).toBe(10 * ms);
    expect(s.choose({ id: 3, model: "m", deadlineNs: 17 * ms }, 6 * ms)!.width).toBe(0.5); // 6 + 10 + 3 <= 17 < 6 + 10 + 6
  });

  it("is deterministic: the same events give the same choices", () => {
    const run = () => {
      const s = table();
      const out: string[] = [];
      for (let id = 1; id <= 50; id++) {
        const now = id * 1.3 * ms;
        out.push(s.choose({ id, model: "m", deadlineNs: now + ((id * 7) % 23) * ms }, now)!.model);
        if (id % 3 === 0) s.started(id - 1, now);
        if (id % 5 === 0) s.ended(id - 3);
      }
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1); // the load made it choose, not a constant
  });
});
