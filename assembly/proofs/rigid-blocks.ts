// Rigid blocks of a pattern on a plain mesh: a shape fit before search.
//
// On a mesh (no wrap-around links) every 4-cycle is a unit square, and two squares that share an
// edge u-v lie on opposite sides of it (on the same side they would need the same two tiles twice:
// not injective). So a set of pattern 4-cycles joined edge to edge (a ladder, the m lanes x k stages
// grid of a layer-split pipeline, the squares of a dense subgraph) can land on the mesh in one
// shape only, a polyomino fixed up to the mesh's 8 symmetries and a translation. Ullmann's
// refinement never sees that: it checks each stage's neighbours, one link at a time, and a search
// that must prove a 12-rung ladder absent from an 8 x 8 board walks every straight run of squares
// before it gives up (hundreds of thousands of work units on the bench).
//
// Here each block is found once (coordinates grown square by square from a seed square; a pattern
// that cannot be laid out so, two stages on one cell or an edge longer than one link, is a proof of
// "none"), then tried in each orientation at every anchor at once, with bit-parallel shifts of the
// 256-bit candidate rows: anchor a is valid when every stage s of the block has tile a + offset(s)
// among its candidates. Each stage keeps only the tiles some valid placement gives it; a block with
// no valid placement is a proof that the pattern does not fit. Sound whatever else the search
// does: it removes only tiles that no placement can use.

import { WORDS, bitSet, setClear, setCopy, setIsEmpty } from "../bitset";
import { MAX_STAGES, patternStages, patternNbr, targetTiles, targetLinkCount, meshWidth, meshLinksVersion, targetLinksVersion } from "../graph";
import { charge } from "../meter";

/** A cell of the block's own grid: x + ROW * y, both from 0 to 127 (a block of <= 64 stages grown
 * from the origin stays within 63 of it either way). */
const ROW: i32 = 128;
const ORIGIN: i32 = 64 * ROW + 64;
/** The cells the block holds, one bit each (ROW x ROW bits), so a cell is looked up at once. */
const held = new StaticArray<u64>((ROW * ROW) >> 6);
/** Cell of each stage of the block being built (valid for the stages in `block`). */
const cellOf = new StaticArray<i32>(MAX_STAGES);
let block: u64 = 0;
/** Tiles each stage of the block takes over all valid placements so far. */
const reach = new StaticArray<u64>(MAX_STAGES * WORDS);
const anchors = new StaticArray<u64>(WORDS);
/** Anchors inside the mesh for the block as found (0) and turned a quarter (1). */
const bounds = new StaticArray<u64>(2 * WORDS);

/** The 64 bits of a 256-bit set starting at bit `at` (zeros outside the set). */
function window(set: StaticArray<u64>, off: i32, at: i32): u64 {
  const i = at >> 6;
  const r = <u64>(at & 63);
  const lo = <u32>i < <u32>WORDS ? unchecked(set[off + i]) >>> r : 0;
  const hi = r != 0 && <u32>(i + 1) < <u32>WORDS ? unchecked(set[off + i + 1]) << (64 - r) : 0;
  return lo | hi;
}

/** Can stage s take cell c of the block (its own cell, or a cell no stage of the block holds)? */
function fits(s: i32, c: i32): bool {
  if (((block >>> <u64>s) & 1) != 0) return unchecked(cellOf[s]) == c;
  return ((unchecked(held[c >> 6]) >>> <u64>(c & 63)) & 1) == 0;
}

function place(s: i32, c: i32): void {
  unchecked((cellOf[s] = c));
  block |= <u64>1 << <u64>s;
  unchecked((held[c >> 6] = held[c >> 6] | (<u64>1 << <u64>(c & 63))));
}

/** Starts a new block: the cells of the last one (this solve's or an earlier one's) are let go. */
function clearBlock(): void {
  for (; block != 0; block &= block - 1) {
    const c = unchecked(cellOf[<i32>ctz(block)]);
    unchecked((held[c >> 6] = held[c >> 6] & ~(<u64>1 << <u64>(c & 63))));
  }
}

/**
 * Grows the block of squares joined edge to edge from its seed edge, each stage's edges looked at
 * once (a square whose side is not decided when they are is left out: the block is only smaller);
 * false when the squares cannot all be unit squares of one mesh (no placement exists).
 */
function grow(): bool {
  let todo = block;
  while (todo != 0) {
    const u = <i32>ctz(todo);
    todo &= ~(<u64>1 << <u64>u);
    const nu = unchecked(patternNbr[u]);
    for (let vs = nu & block; vs != 0; vs &= vs - 1) {
      const v = <i32>ctz(vs);
      const d = unchecked(cellOf[v]) - unchecked(cellOf[u]);
      if (d != 1 && d != -1 && d != ROW && d != -ROW) return false; // an edge inside the block is one link
      const side = d == 1 || d == -1 ? ROW : 1;
      // squares u-v-y-x: x a neighbour of u, y of v and x; they lie on one side of u-v
      for (let xs = nu & ~(<u64>1 << <u64>v); xs != 0; xs &= xs - 1) {
        const x = <i32>ctz(xs);
        for (let ys = unchecked(patternNbr[v]) & unchecked(patternNbr[x]) & ~(<u64>1 << <u64>u); ys != 0; ys &= ys - 1) {
          const y = <i32>ctz(ys);
          if (((block >>> <u64>x) & (block >>> <u64>y) & 1) != 0) continue;
          const up = fits(x, unchecked(cellOf[u]) + side) && fits(y, unchecked(cellOf[v]) + side);
          const down = fits(x, unchecked(cellOf[u]) - side) && fits(y, unchecked(cellOf[v]) - side);
          if (!up && !down) return false;
          // u-v in no square yet: undecided, unless u-v is all there is (the seed: either side, by symmetry)
          if (up && down && block != ((<u64>1 << <u64>u) | (<u64>1 << <u64>v))) continue;
          const p = up ? side : -side;
          const before = block;
          place(x, unchecked(cellOf[u]) + p);
          place(y, unchecked(cellOf[v]) + p);
          todo |= block & ~before; // new stages: their edges are looked at later in this loop
        }
      }
    }
  }
  return true;
}

/**
 * Keeps in each row of the block (matrix at word offset m of `cands`) only the tiles of valid
 * placements of the block; false when it has none.
 */
function fitBlock(cands: StaticArray<u64>, m: i32, width: i32, height: i32): bool {
  let minX = i32.MAX_VALUE, maxX = 0, minY = i32.MAX_VALUE, maxY = 0;
  for (let b = block; b != 0; b &= b - 1) {
    const s = <i32>ctz(b);
    const c = unchecked(cellOf[s]);
    minX = min(minX, c & (ROW - 1));
    maxX = max(maxX, c & (ROW - 1));
    minY = min(minY, c / ROW);
    maxY = max(maxY, c / ROW);
    setClear(reach, s * WORDS);
  }
  const sx = maxX - minX + 1;
  const sy = maxY - minY + 1;
  for (let k = 0; k < 2; k++) {
    const bw = k ? sy : sx;
    const bh = k ? sx : sy;
    setClear(bounds, k * WORDS);
    for (let y = 0; y <= height - bh; y++) {
      for (let x = 0; x <= width - bw; x++) bitSet(bounds, k * WORDS, y * width + x);
    }
  }
  // orientation o: bit 0 mirrors x, bit 1 mirrors y, bit 2 swaps the axes; only the words that hold tiles
  const words = (width * height + 63) >> 6;
  for (let o = 0; o < 8; o++) {
    const swap = o >> 2;
    setCopy(anchors, 0, bounds, swap * WORDS);
    for (let pass = 0; pass < 2 && !setIsEmpty(anchors, 0); pass++) {
      for (let b = block; b != 0; b &= b - 1) {
        const s = <i32>ctz(b);
        const c = unchecked(cellOf[s]);
        const x = o & 1 ? maxX - (c & (ROW - 1)) : (c & (ROW - 1)) - minX;
        const y = o & 2 ? maxY - c / ROW : c / ROW - minY;
        const offset = swap ? x * width + y : y * width + x;
        const row = s * WORDS;
        for (let w = 0; w < words; w++) {
          // pass 0: anchors &= row >> offset; pass 1: reach |= anchors << offset
          if (pass == 0) unchecked((anchors[w] = anchors[w] & window(cands, m + row, (w << 6) + offset)));
          else unchecked((reach[row + w] = reach[row + w] | window(anchors, 0, (w << 6) - offset)));
        }
      }
    }
  }
  charge(<u64>(popcnt(block) * (words + 2)) << 3); // measured: ~16 units a stage whatever the mesh, 8 a word
  for (let b = block; b != 0; b &= b - 1) {
    const s = <i32>ctz(b);
    let any: u64 = 0;
    for (let w = 0; w < WORDS; w++) {
      const k = m + s * WORDS + w;
      const v = unchecked(cands[k]) & unchecked(reach[s * WORDS + w]);
      unchecked((cands[k] = v));
      any |= v;
    }
    if (any == 0) return false;
  }
  return true;
}

/**
 * Finds the pattern's rigid blocks and fits each on the mesh, narrowing matrix m of `cands`.
 * True (and nothing done) when the target is not a plain mesh; false when no placement exists.
 */
export function rigidBlocksFit(cands: StaticArray<u64>, m: i32): bool {
  const width = meshWidth;
  if (meshLinksVersion != targetLinksVersion || width == 0) return true;
  const height = targetTiles / width;
  if (targetLinkCount != 2 * width * height - width - height) return true; // a torus: squares wrap
  let seen: u64 = 0;
  for (let u = 0; u < patternStages; u++) {
    // a seed edge u-v (u on the origin, v to its right) that is in a square
    for (let vs = unchecked(patternNbr[u]) & ~seen; ((seen >>> <u64>u) & 1) == 0 && vs != 0; vs &= vs - 1) {
      clearBlock();
      place(u, ORIGIN);
      place(<i32>ctz(vs), ORIGIN + 1);
      if (!grow()) return false;
      if (popcnt(block) < 4) continue;
      if (!fitBlock(cands, m, width, height)) return false;
      seen |= block;
    }
  }
  return true;
}
