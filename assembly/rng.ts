// The core's own PRNG, seeded by the host (never Math.random: AssemblyScript's bindings would seed
// it from the clock, and the same seed must give the same schedule bit for bit).
// xoshiro128** (Blackman & Vigna, 2018): 32-bit state words, cheap on Wasm, good statistical
// quality; the state is expanded from the 32-bit seed with SplitMix32 so that nearby seeds diverge.

let s0: u32 = 1;
let s1: u32 = 2;
let s2: u32 = 3;
let s3: u32 = 4;

function splitmix(x: u32): u32 {
  x += 0x9e3779b9;
  let z = x;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

export function rngSeed(seed: u32): void {
  s0 = splitmix(seed);
  s1 = splitmix(s0 ^ 0x6a09e667);
  s2 = splitmix(s1 ^ 0xbb67ae85);
  s3 = splitmix(s2 ^ 0x3c6ef372);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1; // the all-zero state is a fixed point
}

export function rngNext(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** Uniform integer in [0, bound) by Lemire's multiply-shift (bias below 2^-32 * bound). */
export function rngBelow(bound: u32): u32 {
  return <u32>((<u64>rngNext() * <u64>bound) >>> 32);
}
