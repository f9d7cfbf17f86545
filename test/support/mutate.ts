// Mutations of a valid input, for property-based fuzzing with fast-check: a few edits (delete,
// insert, replace, duplicate a span, truncate) at arbitrary places, so most results stay close
// to the format and reach deep into a parser, unlike random bytes.
import fc from "fast-check";

type Edit =
  | { op: "delete"; at: number; len: number }
  | { op: "insert"; at: number; text: string }
  | { op: "replace"; at: number; text: string }
  | { op: "dup"; at: number; len: number }
  | { op: "truncate"; at: number };

const piece = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("{", "}", ":", ",", "[", "]", '"', "-", "0", "1e308", "-1", "NaN", "\n", "//", "/*", "\\u0000", "99999999999", "0.5"),
);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: piece }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), text: piece }),
  fc.record({ op: fc.constant("dup" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

function apply(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.op) {
    case "delete":
      return text.slice(0, at) + text.slice(at + e.len);
    case "insert":
      return text.slice(0, at) + e.text + text.slice(at);
    case "replace":
      return text.slice(0, at) + e.text + text.slice(at + e.text.length);
    case "dup":
      return text.slice(0, at + e.len) + text.slice(at, at + e.len) + text.slice(at + e.len);
    case "truncate":
      return text.slice(0, at);
  }
}

/** `base` with 1..maxEdits edits. */
export function mutated(base: string, maxEdits = 4): fc.Arbitrary<string> {
  return fc.array(edit, { minLength: 1, maxLength: maxEdits }).map((edits) => edits.reduce(apply, base));
}

/** Bytes of `base` with 1..maxEdits byte edits (flip, delete, insert, duplicate a span). */
export function mutatedBytes(base: Uint8Array, maxEdits = 4): fc.Arbitrary<Uint8Array> {
  const byteEdit = fc.record({
    op: fc.constantFrom("flip", "delete", "insert", "dup"),
    at: fc.nat(),
    v: fc.integer({ min: 0, max: 255 }),
    len: fc.integer({ min: 1, max: 64 }),
  });
  return fc.array(byteEdit, { minLength: 1, maxLength: maxEdits }).map((edits) => {
    let b = Array.from(base);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % (b.length + 1);
      if (e.op === "flip" && at < b.length) b[at] = b[at]! ^ (e.v || 1);
      else if (e.op === "delete") b.splice(at, e.len);
      else if (e.op === "insert") b.splice(at, 0, e.v);
      else if (e.op === "dup") b = [...b.slice(0, at + e.len), ...b.slice(at, at + e.len), ...b.slice(at + e.len)];
    }
    return Uint8Array.from(b);
  });
}
