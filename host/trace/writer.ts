// Collects a run's IR lines (host/trace/ir.ts) and writes them as JSON Lines, whole or not at all
// (write-atomic.ts): a crashed run leaves no half trace behind.

import { writeFileAtomic } from "../formats/write-atomic.js";
import type { TraceLine } from "./ir.js";

/** JSON has no Infinity or NaN (JSON.stringify would write null): a trace that cannot say a number refuses it. */
function finiteOnly(key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`trace: field "${key}" is ${value}`);
  return value;
}

export class TraceWriter {
  private readonly lines: string[] = [];

  push(line: TraceLine): void {
    const s = JSON.stringify(line);
    // no field of the IR is ever null: a null is a number JSON could not say; find it (the slow way)
    if (s.includes("null")) JSON.stringify(line, finiteOnly);
    this.lines.push(s);
  }

  get length(): number {
    return this.lines.length;
  }

  text(): string {
    return this.lines.length ? `${this.lines.join("\n")}\n` : "";
  }

  save(file: string): Promise<void> {
    return writeFileAtomic(file, this.text());
  }
}
