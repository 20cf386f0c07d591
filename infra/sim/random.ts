/**
 * Seeded randomness for the simulator. Every draw comes from one of these
 * generators, so the same seed replays the same run bit for bit; nothing in
 * the simulator reads Math.random or the clock.
 */

/** mulberry32: 32-bit state, fast, and good enough for sampling (not for crypto). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A derived generator, so one subsystem's draws never shift another's. */
  fork(salt: number): Rng {
    return new Rng(Math.imul((this.state ^ salt) >>> 0, 0x85ebca6b) ^ salt);
  }
}

/** How a per-viewer quantity (e.g. upload Mbit/s) is drawn. */
export type Distribution =
  | { kind: 'fixed'; value: number }
  /** Log-normal around a median; sigma is the standard deviation of ln(x). Clamped to [min, max]. */
  | { kind: 'lognormal'; median: number; sigma: number; min: number; max: number }
  /** A mixture: each branch with its weight (e.g. DSL, cable, fibre). */
  | { kind: 'mix'; parts: { weight: number; dist: Distribution }[] };

export function sample(dist: Distribution, rng: Rng): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.value;
    case 'lognormal':
      return Math.min(dist.max, Math.max(dist.min, dist.median * Math.exp(dist.sigma * rng.normal())));
    case 'mix': {
      const total = dist.parts.reduce((s, p) => s + p.weight, 0);
      let pick = rng.next() * total;
      for (const part of dist.parts) {
        pick -= part.weight;
        if (pick < 0) return sample(part.dist, rng);
      }
      const last = dist.parts.at(-1);
      return last ? sample(last.dist, rng) : 0;
    }
  }
}

/** Index drawn in proportion to weights. */
export function weightedIndex(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let pick = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    pick -= weights[i] ?? 0;
    if (pick < 0) return i;
  }
  return weights.length - 1;
}
