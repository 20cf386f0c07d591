/**
 * The tracker's tie-break seeds: xorshift32, a deterministic stream from an
 * injected seed. The tracker engine draws one per announce; the simulator
 * draws from the same function so its matching stays in step with the edge's.
 */

/** The next seed after `seed` (a non-zero 32-bit state; 0 is mapped to 1, which xorshift needs). */
export function nextSeed(seed: number): number {
  let x = seed >>> 0 || 1;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
