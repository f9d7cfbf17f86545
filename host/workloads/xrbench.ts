// A reader of XRBench usage scenarios (Kwon et al., MLSys 2023) as they are: MAESTRO's description
// language, `Network NAME { FPS: n  Dependency: { OTHER }  Probability: p  Layer L { Type: CONV
// Dimensions: { N, K, C, Y, X, R, S } } ... }`, plus the `Accelerator NAME { key: value }` blocks of
// the hardware files (Single_4K.m). Every error names the file, the line and what was expected.

import { MAX_LAYER_DIM, MAX_MODEL_LAYERS, checkFileSize } from "./limits.js";
import { readFileSync } from "node:fs";
import { InputError } from "../formats/input-error.js";
import { LAYER_KINDS, type Layer, type LayerKind } from "../../firmware-bridge/accelerator/cost.js";

export interface XrbenchNetwork {
  name: string;
  /** Line of its `Network` keyword. */
  line: number;
  fps: number;
  /** XRBench: this model runs on a frame only after `model` finished that frame. */
  dependency?: string;
  /** Chance that the model runs on a given frame (XRBench's `Probability`, 1 when absent). */
  probability: number;
  layers: Layer[];
}

export interface XrbenchAccelerator {
  name: string;
  line: number;
  /** Every `key: value` of the block, as written (numbers and True/False). */
  settings: Record<string, number | boolean>;
}

export interface XrbenchFile {
  file: string;
  networks: XrbenchNetwork[];
  accelerators: XrbenchAccelerator[];
}

type TokenKind = "word" | "number" | "punct" | "eof";
interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

const DIMENSIONS = ["N", "K", "C", "Y", "X", "R", "S"] as const;
type Dim = (typeof DIMENSIONS)[number];

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\n") {
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f" || ch === "\v") {
      i++;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const start = line;
      i += 2;
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) {
        if (text[i] === "\n") line++;
        i++;
      }
      if (i >= text.length) throw new InputError("unexpected end of file: expected '*/' to close the comment", { file, line: start });
      i += 2;
    } else if ("{}:,".includes(ch)) {
      out.push({ kind: "punct", text: ch, line });
      i++;
    } else if (/[A-Za-z0-9_.+\-']/.test(ch)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_.+\-']/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      out.push({ kind: /^[0-9.+-]/.test(word) ? "number" : "word", text: word, line });
      i = j;
    } else {
      throw new InputError(`unexpected character '${ch}'`, { file, line });
    }
  }
  out.push({ kind: "eof", text: "end of file", line });
  return out;
}

class Parser {
  private at = 0;
  constructor(
    private readonly toks: Token[],
    readonly file: string,
  ) {}

  peek(): Token {
    return this.toks[this.at]!;
  }

  next(): Token {
    const t = this.toks[this.at]!;
    if (t.kind !== "eof") this.at++;
    return t;
  }

  fail(reason: string, t: Token = this.peek()): never {
    throw new InputError(reason, { file: this.file, line: t.line });
  }

  static describe(t: Token): string {
    return t.kind === "eof" ? "end of file" : `'${t.text}'`;
  }

  expectPunct(p: string, what: string): Token {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== p) this.fail(`expected '${p}' ${what}, got ${Parser.describe(t)}`, t);
    return t;
  }

  /** Accepts `p` if it is next (MAESTRO writes `Dimensions: {` and `Dimensions {`). */
  optionalPunct(p: string): void {
    const t = this.peek();
    if (t.kind === "punct" && t.text === p) this.next();
  }

  expectName(what: string): Token {
    const t = this.next();
    if (t.kind !== "word" && t.kind !== "number") this.fail(`expected ${what}, got ${Parser.describe(t)}`, t);
    return t;
  }

  expectNumber(what: string): { value: number; tok: Token } {
    const t = this.next();
    const value = Number(t.text);
    if (t.kind !== "number" || !Number.isFinite(value)) this.fail(`expected a number for ${what}, got ${Parser.describe(t)}`, t);
    return { value, tok: t };
  }

  /** `}` closing a block opened at `open`, with a clear message when the file ends first. */
  isClose(open: Token, what: string): boolean {
    const t = this.peek();
    if (t.kind === "eof") this.fail(`unexpected end of file: expected '}' to close ${what} (opened at line ${open.line})`, t);
    if (t.kind === "punct" && t.text === "}") {
      this.next();
      return true;
    }
    return false;
  }
}

/** Parses the text of a scenario or hardware file. */
export function parseXrbench(text: string, file = "<inline>"): XrbenchFile {
  const p = new Parser(tokenize(text, file), file);
  const networks: XrbenchNetwork[] = [];
  const accelerators: XrbenchAccelerator[] = [];
  const depLines = new Map<XrbenchNetwork, number>();
  for (let t = p.peek(); t.kind !== "eof"; t = p.peek()) {
    if (t.kind === "word" && t.text === "Network") {
      p.next();
      const net = parseNetwork(p, t, depLines);
      if (networks.some((n) => n.name === net.name)) p.fail(`network ${net.name} is defined twice`, t);
      networks.push(net);
    } else if (t.kind === "word" && t.text === "Accelerator") {
      p.next();
      accelerators.push(parseAccelerator(p, t));
    } else {
      p.fail(`expected 'Network' or 'Accelerator', got ${Parser.describe(t)}`, t);
    }
  }
  for (const n of networks) {
    if (n.dependency !== undefined && !networks.some((m) => m.name === n.dependency)) {
      throw new InputError(`network ${n.name} depends on unknown network '${n.dependency}'`, { file, line: depLines.get(n) });
    }
    if (n.dependency === n.name) throw new InputError(`network ${n.name} depends on itself`, { file, line: depLines.get(n) });
  }
  return { file, networks, accelerators };
}

function parseNetwork(p: Parser, kw: Token, depLines: Map<XrbenchNetwork, number>): XrbenchNetwork {
  const name = p.expectName("a network name after 'Network'").text;
  const open = p.expectPunct("{", `after 'Network ${name}'`);
  const net: XrbenchNetwork = { name, line: kw.line, fps: NaN, probability: 1, layers: [] };
  let sawFps = false;
  let sawProbability = false;
  while (!p.isClose(open, `network ${name}`)) {
    const t = p.next();
    if (t.kind !== "word") p.fail(`expected FPS, Dependency, Probability or Layer in network ${name}, got ${Parser.describe(t)}`, t);
    switch (t.text) {
      case "FPS": {
        if (sawFps) p.fail(`FPS of network ${name} is given twice`, t);
        p.expectPunct(":", "after FPS");
        const { value, tok } = p.expectNumber(`FPS of network ${name}`);
        if (!(value > 0)) p.fail(`FPS of network ${name} must be > 0, got ${tok.text}`, tok);
        net.fps = value;
        sawFps = true;
        break;
      }
      case "Probability": {
        if (sawProbability) p.fail(`Probability of network ${name} is given twice`, t);
        p.expectPunct(":", "after Probability");
        const { value, tok } = p.expectNumber(`Probability of network ${name}`);
        if (!(value >= 0 && value <= 1)) p.fail(`Probability of network ${name} must be in 0..1, got ${tok.text}`, tok);
        net.probability = value;
        sawProbability = true;
        break;
      }
      case "Dependency": {
        if (net.dependency !== undefined) p.fail(`Dependency of network ${name} is given twice`, t);
        p.expectPunct(":", "after Dependency");
        const dOpen = p.expectPunct("{", "after 'Dependency:'");
        const dep = p.expectName(`a network name in the Dependency of ${name}`);
        if (dep.kind !== "word") p.fail(`expected a network name in the Dependency of ${name}, got ${Parser.describe(dep)}`, dep);
        const after = p.peek();
        if (after.kind !== "eof" && !(after.kind === "punct" && after.text === "}")) {
          p.fail(`expected '}' after the one network ${name} depends on, got ${Parser.describe(after)}`, after);
        }
        p.isClose(dOpen, `the Dependency of network ${name}`);
        net.dependency = dep.text;
        depLines.set(net, dep.line);
        break;
      }
      case "Layer":
        if (net.layers.length >= MAX_MODEL_LAYERS) p.fail(`network ${name} has more than ${MAX_MODEL_LAYERS} layers`, t);
        net.layers.push(parseLayer(p, name));
        break;
      default:
        p.fail(`unknown field '${t.text}' in network ${name} (expected FPS, Dependency, Probability or Layer)`, t);
    }
  }
  if (!sawFps) p.fail(`network ${name} (line ${kw.line}) has no FPS (expected 'FPS: n')`, kw);
  if (net.layers.length === 0) p.fail(`network ${name} (line ${kw.line}) has no layers (expected 'Layer NAME { ... }')`, kw);
  return net;
}

function parseLayer(p: Parser, network: string): Layer {
  const nameTok = p.expectName(`a layer name after 'Layer' in network ${network}`);
  const name = nameTok.text;
  const where = `layer ${name} of network ${network}`;
  const open = p.expectPunct("{", `after 'Layer ${name}'`);
  let kind: LayerKind | undefined;
  let dims: Partial<Record<Dim, number>> | undefined;
  let stride: { X: number; Y: number } | undefined;
  while (!p.isClose(open, where)) {
    const t = p.next();
    if (t.kind !== "word") p.fail(`expected Type, Dimensions or Stride in ${where}, got ${Parser.describe(t)}`, t);
    switch (t.text) {
      case "Type": {
        if (kind !== undefined) p.fail(`Type of ${where} is given twice`, t);
        p.expectPunct(":", "after Type");
        const k = p.expectName(`a layer type (${LAYER_KINDS.join(", ")})`);
        if (!(LAYER_KINDS as readonly string[]).includes(k.text)) {
          p.fail(`unknown layer type '${k.text}' in ${where} (expected ${LAYER_KINDS.join(" or ")})`, k);
        }
        kind = k.text as LayerKind;
        break;
      }
      case "Dimensions": {
        if (dims !== undefined) p.fail(`Dimensions of ${where} are given twice`, t);
        p.optionalPunct(":");
        dims = parseFields(p, DIMENSIONS, `Dimensions of ${where}`) as Partial<Record<Dim, number>>;
        break;
      }
      case "Stride": {
        if (stride !== undefined) p.fail(`Stride of ${where} is given twice`, t);
        p.optionalPunct(":");
        const s = parseFields(p, ["X", "Y"] as const, `Stride of ${where}`);
        stride = { X: s.X ?? 1, Y: s.Y ?? 1 };
        break;
      }
      default:
        p.fail(`unknown field '${t.text}' in ${where} (expected Type, Dimensions or Stride)`, t);
    }
  }
  if (kind === undefined) p.fail(`${where} has no Type (expected 'Type: CONV')`, nameTok);
  if (dims === undefined) p.fail(`${where} has no Dimensions (expected 'Dimensions: { N, K, C, Y, X, R, S }')`, nameTok);
  for (const d of DIMENSIONS) {
    if (d !== "N" && dims[d] === undefined) p.fail(`${where} lacks dimension ${d} (expected N?, K, C, Y, X, R, S)`, nameTok);
  }
  const layer: Layer = {
    name,
    kind,
    N: dims.N ?? 1,
    K: dims.K!,
    C: dims.C!,
    Y: dims.Y!,
    X: dims.X!,
    R: dims.R!,
    S: dims.S!,
    strideY: stride?.Y ?? 1,
    strideX: stride?.X ?? 1,
  };
  if (kind === "DSCONV" && layer.C !== layer.K) p.fail(`${where}: a depthwise layer needs C = K, got C ${layer.C}, K ${layer.K}`, nameTok);
  return layer;
}

/** `{ A: int, B: int, ... }` where every key is one of `keys`, each a positive integer, once. */
function parseFields<K extends string>(p: Parser, keys: readonly K[], what: string): Partial<Record<K, number>> {
  const open = p.expectPunct("{", `to open the ${what}`);
  const out: Partial<Record<K, number>> = {};
  let first = true;
  while (!p.isClose(open, `the ${what}`)) {
    if (!first) p.optionalPunct(",");
    if (p.isClose(open, `the ${what}`)) break;
    first = false;
    const k = p.next();
    if (k.kind !== "word" || !(keys as readonly string[]).includes(k.text)) {
      p.fail(`unknown field ${Parser.describe(k)} in the ${what} (expected ${keys.join(", ")})`, k);
    }
    const key = k.text as K;
    if (out[key] !== undefined) p.fail(`${key} is given twice in the ${what}`, k);
    p.expectPunct(":", `after ${key}`);
    const { value, tok } = p.expectNumber(`${key} in the ${what}`);
    if (!Number.isInteger(value) || value < 1) p.fail(`expected a positive integer for ${key} in the ${what}, got ${tok.text}`, tok);
    if (value > MAX_LAYER_DIM) p.fail(`${key} in the ${what} is ${tok.text}, more than ${MAX_LAYER_DIM}`, tok);
    out[key] = value;
  }
  return out;
}

function parseAccelerator(p: Parser, kw: Token): XrbenchAccelerator {
  const name = p.expectName("an accelerator name after 'Accelerator'").text;
  const open = p.expectPunct("{", `after 'Accelerator ${name}'`);
  const settings: Record<string, number | boolean> = {};
  while (!p.isClose(open, `accelerator ${name}`)) {
    const k = p.next();
    if (k.kind !== "word") p.fail(`expected a setting name in accelerator ${name}, got ${Parser.describe(k)}`, k);
    p.expectPunct(":", `after ${k.text}`);
    const v = p.next();
    if (v.kind === "word" && (v.text === "True" || v.text === "False")) settings[k.text] = v.text === "True";
    else if (v.kind === "number" && Number.isFinite(Number(v.text))) settings[k.text] = Number(v.text);
    else p.fail(`expected a number or True/False for ${k.text} in accelerator ${name}, got ${Parser.describe(v)}`, v);
  }
  return { name, line: kw.line, settings };
}

/** Reads and parses a file; I/O errors become InputErrors naming the file. */
export function readXrbenchFile(path: string): XrbenchFile {
  let text: string;
  try {
    checkFileSize(path);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read: ${(e as Error).message}`, { file: path });
  }
  return parseXrbench(text, path);
}
