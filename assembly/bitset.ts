// 256-bit sets stored as WORDS consecutive u64 words inside a StaticArray<u64>.
// Tiles of the target are bits; a row of the candidate matrix, a tile's links and the free mask
// are all such sets. Every helper takes the array and the word offset of the set: callers own the
// layout and prove `off + WORDS <= arr.length` once (that is why the accesses are unchecked).

export const WORDS: i32 = 4; // 4 x 64 = 256 bits = MAX_TILES

// @ts-ignore: decorator
@inline export function bitSet(arr: StaticArray<u64>, off: i32, bit: i32): void {
  const k = off + (bit >>> 6);
  unchecked((arr[k] = arr[k] | (<u64>1 << <u64>(bit & 63))));
}

// @ts-ignore: decorator
@inline export function bitClear(arr: StaticArray<u64>, off: i32, bit: i32): void {
  const k = off + (bit >>> 6);
  unchecked((arr[k] = arr[k] & ~(<u64>1 << <u64>(bit & 63))));
}

// @ts-ignore: decorator
@inline export function bitTest(arr: StaticArray<u64>, off: i32, bit: i32): bool {
  return ((unchecked(arr[off + (bit >>> 6)]) >>> <u64>(bit & 63)) & 1) != 0;
}

export function setClear(arr: StaticArray<u64>, off: i32): void {
  for (let w = 0; w < WORDS; w++) unchecked((arr[off + w] = 0));
}

export function setCopy(dst: StaticArray<u64>, doff: i32, src: StaticArray<u64>, soff: i32): void {
  for (let w = 0; w < WORDS; w++) unchecked((dst[doff + w] = src[soff + w]));
}

/** dst |= src. */
export function setOrInto(dst: StaticArray<u64>, doff: i32, src: StaticArray<u64>, soff: i32): void {
  for (let w = 0; w < WORDS; w++) unchecked((dst[doff + w] = dst[doff + w] | src[soff + w]));
}

/** dst &= ~src; true when that removed something. */
export function setAndNot(dst: StaticArray<u64>, doff: i32, src: StaticArray<u64>, soff: i32): bool {
  let lost: u64 = 0;
  for (let w = 0; w < WORDS; w++) {
    const a = unchecked(dst[doff + w]);
    lost |= a & unchecked(src[soff + w]);
    unchecked((dst[doff + w] = a & ~src[soff + w]));
  }
  return lost != 0;
}

export function setIsEmpty(arr: StaticArray<u64>, off: i32): bool {
  let acc: u64 = 0;
  for (let w = 0; w < WORDS; w++) acc |= unchecked(arr[off + w]);
  return acc == 0;
}

export function setCount(arr: StaticArray<u64>, off: i32): i32 {
  let c: i32 = 0;
  for (let w = 0; w < WORDS; w++) c += <i32>popcnt(unchecked(arr[off + w]));
  return c;
}

/** Does set a intersect set b? */
export function setIntersects(a: StaticArray<u64>, aoff: i32, b: StaticArray<u64>, boff: i32): bool {
  let acc: u64 = 0;
  for (let w = 0; w < WORDS; w++) acc |= unchecked(a[aoff + w]) & unchecked(b[boff + w]);
  return acc != 0;
}

/** Count of a AND b. */
export function setCountAnd(a: StaticArray<u64>, aoff: i32, b: StaticArray<u64>, boff: i32): i32 {
  let c: i32 = 0;
  for (let w = 0; w < WORDS; w++) c += <i32>popcnt(unchecked(a[aoff + w]) & unchecked(b[boff + w]));
  return c;
}

/** Lowest set bit, or -1 when the set is empty. */
export function setFirst(arr: StaticArray<u64>, off: i32): i32 {
  for (let w = 0; w < WORDS; w++) {
    const v = unchecked(arr[off + w]);
    if (v != 0) return (w << 6) + <i32>ctz(v);
  }
  return -1;
}

/** Removes and returns the lowest set bit, or -1 when the set is empty. */
export function setPopFirst(arr: StaticArray<u64>, off: i32): i32 {
  for (let w = 0; w < WORDS; w++) {
    const v = unchecked(arr[off + w]);
    if (v != 0) {
      unchecked((arr[off + w] = v & (v - 1)));
      return (w << 6) + <i32>ctz(v);
    }
  }
  return -1;
}

/** Lowest set bit at or above `from`, or -1. */
export function setNext(arr: StaticArray<u64>, off: i32, from: i32): i32 {
  if (from >= WORDS << 6) return -1;
  let w = from >>> 6;
  let v = unchecked(arr[off + w]) & (~(<u64>0) << <u64>(from & 63));
  while (true) {
    if (v != 0) return (w << 6) + <i32>ctz(v);
    if (++w >= WORDS) return -1;
    v = unchecked(arr[off + w]);
  }
}

/** Mask with the low n bits set (n in 0..64). */
// @ts-ignore: decorator
@inline export function lowMask(n: i32): u64 {
  return n >= 64 ? ~(<u64>0) : (<u64>1 << <u64>n) - 1;
}
