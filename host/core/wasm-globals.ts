// The core's whole state, for the host's recovery from a trapped core (core-snapshot.ts): the
// core keeps no heap churn, so its state is its linear memory plus its module globals (the
// AssemblyScript compiler makes every module-level `let` a Wasm global, which it does not export).
// `exposeGlobals` rewrites the module's bytes so that every mutable global it defines is exported
// as `__g<index>` (WebAssembly binary format 1.0: sections 2 import, 6 global, 7 export), which
// lets the host read and write them; the code itself is unchanged.

const SECTION_IMPORT = 2;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const EXTERNAL_GLOBAL = 3;
/** Value types whose globals JavaScript can read and write (v128 cannot cross into JS). */
const JS_VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c]); // i32 i64 f32 f64

export const GLOBAL_EXPORT_PREFIX = "__g";

class Reader {
  constructor(
    readonly b: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    if (this.at >= this.b.length) throw new Error(`wasm: unexpected end at byte ${this.at}`);
    return this.b[this.at++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new Error(`wasm: LEB128 too long at byte ${this.at}`);
    }
  }
  /** Skips a signed LEB128 of any width. */
  sleb(): void {
    while (this.byte() & 0x80) {}
  }
  skip(n: number): void {
    this.at += n;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

/** A constant expression (a global's initialiser), up to and including its `end`. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42)
      r.sleb(); // i32.const, i64.const
    else if (op === 0x43)
      r.skip(4); // f32.const
    else if (op === 0x44)
      r.skip(8); // f64.const
    else if (op === 0x23 || op === 0xd2)
      r.u32(); // global.get, ref.func
    else if (op === 0xd0)
      r.byte(); // ref.null t
    else if (op === 0xfd) {
      const sub = r.u32();
      if (sub !== 12) throw new Error(`wasm: unexpected SIMD op ${sub} in a constant expression`);
      r.skip(16); // v128.const
    } else throw new Error(`wasm: unexpected opcode 0x${op.toString(16)} in a constant expression at byte ${r.at - 1}`);
  }
}

/** Global imports come first in the global index space. */
function importedGlobals(content: Uint8Array): number {
  const r = new Reader(content);
  let globals = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0) r.u32();
    else if (kind === 1) {
      r.byte();
      skipLimits(r);
    } else if (kind === 2) skipLimits(r);
    else if (kind === EXTERNAL_GLOBAL) {
      r.byte();
      r.byte();
      globals++;
    } else throw new Error(`wasm: unknown import kind ${kind}`);
  }
  return globals;
}

/** Indices of the mutable JS-typed globals the module defines. */
function mutableGlobals(content: Uint8Array, firstIndex: number): number[] {
  const r = new Reader(content);
  const out: number[] = [];
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const type = r.byte();
    const mutable = r.byte() === 1;
    skipConstExpr(r);
    if (mutable && JS_VALUE_TYPES.has(type)) out.push(firstIndex + i);
  }
  return out;
}

/** The module with every mutable global it defines exported as `__g<index>`; also returns the names. */
export function exposeGlobals(bytes: Uint8Array): { bytes: Uint8Array; names: string[] } {
  const r = new Reader(bytes, 8);
  const sections: Array<{ id: number; content: Uint8Array }> = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, content: bytes.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  const imports = sections.find((s) => s.id === SECTION_IMPORT);
  const globals = sections.find((s) => s.id === SECTION_GLOBAL);
  const first = imports ? importedGlobals(imports.content) : 0;
  const indices = globals ? mutableGlobals(globals.content, first) : [];
  const names = indices.map((i) => `${GLOBAL_EXPORT_PREFIX}${i}`);
  const entries: number[] = [];
  for (const [k, i] of indices.entries()) {
    const name = new TextEncoder().encode(names[k]!);
    entries.push(...leb(name.length), ...name, EXTERNAL_GLOBAL, ...leb(i));
  }
  let exportSection = sections.find((s) => s.id === SECTION_EXPORT);
  if (!exportSection) {
    // keep the section order: export (7) goes before start (8) and everything after it
    exportSection = { id: SECTION_EXPORT, content: new Uint8Array([0]) };
    const at = sections.findIndex((s) => s.id > SECTION_EXPORT && s.id !== 0);
    sections.splice(at < 0 ? sections.length : at, 0, exportSection);
  }
  const er = new Reader(exportSection.content);
  const count = er.u32();
  const rest = exportSection.content.subarray(er.at);
  exportSection.content = concat([Uint8Array.from(leb(count + indices.length)), rest, Uint8Array.from(entries)]);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections) parts.push(Uint8Array.from([s.id, ...leb(s.content.length)]), s.content);
  return { bytes: concat(parts), names };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
