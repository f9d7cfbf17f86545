// One error type for every piece of bad input, so the CLI can always say where the problem is:
// which file, which line (batch files, scenario files) and which field.

import { type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";

export interface InputLocation {
  /** The file (or "-" for standard input, "<inline>" for values built in code). */
  file?: string;
  /** 1-based line number, for line-oriented inputs. */
  line?: number;
  /** A path into the JSON value, such as `edges[3][1]`. */
  field?: string;
}

export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(reason: string, where: InputLocation = {}) {
    super(formatLocation(where) + reason);
    this.name = "InputError";
    this.reason = reason;
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }

  /** The same error seen from a wider context (a file, a line, an enclosing field). */
  within(where: InputLocation): InputError {
    const field = where.field && this.field ? joinField(where.field, this.field) : (this.field ?? where.field);
    return new InputError(this.reason, {
      file: this.file ?? where.file,
      line: this.line ?? where.line,
      field,
    });
  }
}

function joinField(outer: string, inner: string): string {
  return inner.startsWith("[") ? outer + inner : `${outer}.${inner}`;
}

function formatLocation(where: InputLocation): string {
  let s = "";
  if (where.file) s += where.file;
  if (where.line !== undefined) s += `${s ? ":" : "line "}${where.line}`;
  if (s) s += ": ";
  if (where.field) s += `field "${where.field}": `;
  return s;
}

/** Renders a path such as ["edges", 3, 1] as `edges[3][1]`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s;
}

/** JSON.parse with a message that names the line and column of the first fault. */
export function parseJson(text: string, where: InputLocation = {}): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse does not always say where; jsonc-parser's strict mode does.
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new InputError("malformed JSON", where);
    const before = text.slice(0, first.offset);
    const line = before.split("\n").length;
    const column = first.offset - before.lastIndexOf("\n");
    const at = where.line === undefined ? `line ${line}, column ${column}` : `column ${column}`;
    const what = printParseErrorCode(first.error)
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase();
    throw new InputError(`malformed JSON: ${what} at ${at}`, where);
  }
}
