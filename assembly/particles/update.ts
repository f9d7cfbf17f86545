// The IMMSched particle update: particle-swarm optimisation (Kennedy & Eberhart 1995) over the
// quantized relaxation, in fixed point, as IMMSched runs it on low-bit hardware.
//
// For every entry (stage i, tile t) of particle p, with x in 0..255 and v a signed step:
//
//     v' = clamp( (W*v >> 6) + (a1*(pb - x) >> 6) + (a2*(gb - x) >> 6), -VMAX, VMAX )
//     x' = clamp( x + v', 0, 255 )            then x' = v' = 0 where t is not a candidate of i
//
// pb / gb are 255 on the tile the personal / global best gave stage i and 0 elsewhere (a one-hot
// target: the pull raises that tile's probability and lowers the others'), a1 = C1*r1 >> 8 and
// a2 = C2*r2 >> 8 with r1, r2 uniform in 0..255 drawn from the core's seeded PRNG once per row.
//
// Constants in Q6 (x/64): W = 46 (0.72) and C1 = C2 = 96 (1.5) are Clerc & Kennedy's constriction
// values (chi = 0.7298, c1 = c2 = 1.496), which keep the swarm convergent without a tuned decay.
// VMAX = 64 (a quarter of the range) keeps one step from flipping a row outright. Q6 is the
// largest scale at which every product fits an i16 lane: 96 * 255 = 24480 < 32767 and the sum of
// the three shifted terms stays below 1024, so the 8-lane SIMD form and the scalar form compute
// the same integers (no wrap, no saturation) and both builds give the same placements.
//
// Per row the work is one unit per 16 tiles (one v128 chunk), in both builds.

import { ROW, position, velocity, mask, rowOffset } from "./state";

export const W: i32 = 46;
export const C1: i32 = 96;
export const C2: i32 = 96;
export const VMAX: i32 = 64;

/** Updates row i of particle p over tiles [lo, hi) (multiples of 16). */
export function updateRow(p: i32, i: i32, lo: i32, hi: i32, a1: i32, a2: i32, pbTile: i32, gbTile: i32): void {
  const off = rowOffset(p, i);
  const xp = changetype<usize>(position) + <usize>off;
  const vp = changetype<usize>(velocity) + <usize>off;
  const mp = changetype<usize>(mask) + <usize>(i * ROW);
  if (ASC_FEATURE_SIMD) {
    const c1 = i16x8.splat(<i16>a1);
    const c2 = i16x8.splat(<i16>a2);
    const pb = i16x8.splat(<i16>pbTile);
    const gb = i16x8.splat(<i16>gbTile);
    const lanes = i16x8(0, 1, 2, 3, 4, 5, 6, 7);
    for (let b = lo; b < hi; b += 16) {
      const x = v128.load(xp + <usize>b);
      const v = v128.load(vp + <usize>b);
      const m = v128.load(mp + <usize>b);
      const idxLo = i16x8.add(i16x8.splat(<i16>b), lanes);
      const idxHi = i16x8.add(idxLo, i16x8.splat(8));
      const vl = step8(i16x8.extend_low_i8x16_u(x), i16x8.extend_low_i8x16_s(v), idxLo, c1, c2, pb, gb);
      const vh = step8(i16x8.extend_high_i8x16_u(x), i16x8.extend_high_i8x16_s(v), idxHi, c1, c2, pb, gb);
      const xl = clampX8(i16x8.add(i16x8.extend_low_i8x16_u(x), vl));
      const xh = clampX8(i16x8.add(i16x8.extend_high_i8x16_u(x), vh));
      v128.store(xp + <usize>b, v128.and(i8x16.narrow_i16x8_u(xl, xh), m));
      v128.store(vp + <usize>b, v128.and(i8x16.narrow_i16x8_s(vl, vh), m));
    }
  } else {
    for (let t = lo; t < hi; t++) {
      const k = <usize>t;
      if (load<u8>(mp + k) == 0) {
        store<u8>(xp + k, 0);
        store<i8>(vp + k, 0);
        continue;
      }
      const x = <i32>load<u8>(xp + k);
      const v = <i32>load<i8>(vp + k);
      const pb = t == pbTile ? 255 : 0;
      const gb = t == gbTile ? 255 : 0;
      let nv = ((W * v) >> 6) + ((a1 * (pb - x)) >> 6) + ((a2 * (gb - x)) >> 6);
      nv = min(max(nv, -VMAX), VMAX);
      const nx = min(max(x + nv, 0), 255);
      store<u8>(xp + k, <u8>nx);
      store<i8>(vp + k, <i8>nv);
    }
  }
}

/** The new velocity of 8 entries (i16 lanes): the formula above, clamped to +-VMAX. */
// @ts-ignore: decorator
@inline function step8(x: v128, v: v128, idx: v128, c1: v128, c2: v128, pb: v128, gb: v128): v128 {
  const full = i16x8.splat(255);
  const p = v128.and(i16x8.eq(idx, pb), full); // one-hot target of the personal best
  const g = v128.and(i16x8.eq(idx, gb), full); // and of the global best
  const nv = i16x8.add(
    i16x8.add(i16x8.shr_s(i16x8.mul(i16x8.splat(<i16>W), v), 6), i16x8.shr_s(i16x8.mul(c1, i16x8.sub(p, x)), 6)),
    i16x8.shr_s(i16x8.mul(c2, i16x8.sub(g, x)), 6),
  );
  return i16x8.min_s(i16x8.max_s(nv, i16x8.splat(<i16>-VMAX)), i16x8.splat(<i16>VMAX));
}

/** Positions clamped to 0..255. */
// @ts-ignore: decorator
@inline function clampX8(x: v128): v128 {
  return i16x8.min_s(i16x8.max_s(x, i16x8.splat(0)), i16x8.splat(255));
}
