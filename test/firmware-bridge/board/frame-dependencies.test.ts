// The frame-dependency rule shared by the simulator, the virtual board and the run summary:
// run behind a finished parent, wait behind an open one, drop (with everything held behind) after
// a dropped one.
import { describe, expect, it } from "vitest";
import { FrameDependencies, type FrameState } from "../../../firmware-bridge/board/frame-dependencies.js";

interface T {
  id: number;
  model: string;
  frame?: number;
  state: FrameState;
}

const task = (id: number, model: string, frame?: number): T => ({ id, model, frame, state: "open" });

function tracker(...tasks: T[]): FrameDependencies<T> {
  const deps = new FrameDependencies<T>((t) => t.state);
  for (const t of tasks) deps.register(t);
  return deps;
}

describe("frame dependencies", () => {
  it("runs a task with no parent, or whose parent frame no task names", () => {
    const deps = tracker(task(1, "a", 0));
    expect(deps.arrive(task(2, "b", 0), undefined)).toBe("run");
    expect(deps.arrive(task(3, "b", 1), { model: "a", frame: 1 })).toBe("run");
    expect(deps.parent({ model: "a", frame: 1 })).toBeUndefined();
    expect(deps.heldCount).toBe(0);
  });

  it("holds a child behind an open parent and releases it, in arrival order, when the parent finishes", () => {
    const parent = task(1, "a", 0);
    const deps = tracker(parent);
    const c1 = task(2, "b", 0);
    const c2 = task(3, "c", 0);
    expect(deps.arrive(c1, { model: "a", frame: 0 })).toBe("wait");
    expect(deps.arrive(c2, { model: "a", frame: 0 })).toBe("wait");
    expect(deps.heldCount).toBe(2);
    expect([...deps.held()].map((t) => t.id)).toEqual([2, 3]);
    parent.state = "ended";
    expect(deps.release(parent, false).map((t) => t.id)).toEqual([2, 3]);
    expect(deps.heldCount).toBe(0);
    expect(deps.release(parent, false)).toEqual([]);
    // a child arriving after its parent finished runs at once
    expect(deps.arrive(task(4, "d", 0), { model: "a", frame: 0 })).toBe("run");
  });

  it("drops a child of a dropped parent, and with a dropped parent every task held behind it, depth first", () => {
    const a = task(1, "a", 0);
    const b = task(2, "b", 0);
    const c = task(3, "c", 0);
    const d = task(4, "d", 0);
    const deps = tracker(a, b, c, d);
    expect(deps.arrive(b, { model: "a", frame: 0 })).toBe("wait");
    expect(deps.arrive(c, { model: "b", frame: 0 })).toBe("wait");
    expect(deps.arrive(d, { model: "a", frame: 0 })).toBe("wait");
    a.state = "dropped";
    expect(deps.release(a, true).map((t) => t.id)).toEqual([2, 3, 4]);
    expect(deps.heldCount).toBe(0);
    expect(deps.fate({ model: "a", frame: 0 })).toBe("drop");
    expect(deps.arrive(task(5, "e", 0), { model: "a", frame: 0 })).toBe("drop");
    expect(deps.heldCount).toBe(0);
  });

  it("releases nothing for a task without a frame, and a frame-less task is no one's parent", () => {
    const deps = tracker(task(1, "a"));
    expect(deps.parent({ model: "a", frame: 0 })).toBeUndefined();
    expect(deps.release(task(1, "a"), true)).toEqual([]);
  });
});
