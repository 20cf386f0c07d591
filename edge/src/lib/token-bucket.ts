/**
 * The edge's one rate limiter: a token bucket over plain data, with `now`
 * passed in. It refills continuously up to `capacity`; each take spends one
 * token or is refused. The tracker keeps one per socket (announces, answers),
 * the stats object one per viewer (beacons).
 */

export interface TokenBucket {
  tokens: number;
  /** ms timestamp of the last refill. */
  at: number;
}

export interface TakeResult {
  ok: boolean;
  /** The bucket after the refill and, if `ok`, the take. */
  bucket: TokenBucket;
  /** How long until a token is there, in ms; 0 when `ok`. */
  retryAfterMs: number;
}

export function fullBucket(capacity: number, now: number): TokenBucket {
  return { tokens: capacity, at: now };
}

/**
 * Refills for the time elapsed (none if the clock went back), then takes one
 * token if there is one. Never mutates its input.
 */
export function takeToken(bucket: TokenBucket, now: number, capacity: number, refillPerSecond: number): TakeResult {
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(capacity, bucket.tokens + (elapsed / 1000) * refillPerSecond);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now }, retryAfterMs: 0 };
  return {
    ok: false,
    bucket: { tokens, at: now },
    retryAfterMs: Math.ceil(((1 - tokens) / refillPerSecond) * 1000),
  };
}
