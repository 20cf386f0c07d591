/**
 * Token-bucket arithmetic for the harness's edge bandwidth cap. Pure: every
 * function takes `now` (ms), so the cap is tested without waiting, and the
 * proxy (throttle-proxy.ts) only adds the sleeping.
 */

export interface TokenBucketSettings {
  /** Sustained rate, bytes per second. */
  bytesPerSecond: number;
  /** Largest amount sendable at once after an idle spell, bytes. */
  burstBytes: number;
}

export interface TokenBucket {
  tokens: number;
  /** When `tokens` was last brought up to date, ms. */
  at: number;
}

export const tokenBucketDefaults = {
  /** Burst as time at the sustained rate: small, so the cap holds over a fraction of a second. */
  burstSeconds: 0.1,
  /** Never below one slice, or a slice could never be granted. */
  minBurstBytes: 16 * 1024,
};

/** Settings for a cap in megabits per second (10⁶ bits), as `--edge-mbps` takes it. */
export function settingsForMbps(
  mbps: number,
  burstSeconds = tokenBucketDefaults.burstSeconds,
  minBurstBytes = tokenBucketDefaults.minBurstBytes,
): TokenBucketSettings {
  if (!(mbps > 0) || !Number.isFinite(mbps))
    throw new RangeError(`a cap must be a positive number of Mbit/s, not ${mbps}`);
  const bytesPerSecond = (mbps * 1e6) / 8;
  return { bytesPerSecond, burstBytes: Math.max(minBurstBytes, Math.round(bytesPerSecond * burstSeconds)) };
}

/** A full bucket: the first burst goes out at once. */
export function newBucket(settings: TokenBucketSettings, now: number): TokenBucket {
  return { tokens: settings.burstBytes, at: now };
}

export function refill(bucket: TokenBucket, settings: TokenBucketSettings, now: number): TokenBucket {
  // A clock that steps back (it should not) adds nothing rather than draining the bucket.
  const elapsedMs = Math.max(0, now - bucket.at);
  return {
    tokens: Math.min(settings.burstBytes, bucket.tokens + (elapsedMs * settings.bytesPerSecond) / 1000),
    at: Math.max(now, bucket.at),
  };
}

export type TakeResult =
  | { granted: true; bucket: TokenBucket }
  | { granted: false; bucket: TokenBucket; waitMs: number };

/**
 * Takes `bytes` if the bucket holds them; otherwise says how long until it
 * will. `bytes` above the burst can never be granted: slice them first.
 */
export function take(bucket: TokenBucket, settings: TokenBucketSettings, bytes: number, now: number): TakeResult {
  if (bytes > settings.burstBytes) {
    throw new RangeError(`${bytes} bytes exceed the burst of ${settings.burstBytes}; slice them (sliceSizes)`);
  }
  const current = refill(bucket, settings, now);
  if (current.tokens >= bytes) return { granted: true, bucket: { ...current, tokens: current.tokens - bytes } };
  const waitMs = Math.ceil(((bytes - current.tokens) * 1000) / settings.bytesPerSecond);
  // At least 1 ms, so a caller that sleeps waitMs always makes progress.
  return { granted: false, bucket: current, waitMs: Math.max(1, waitMs) };
}

/** Splits `total` bytes into slices of at most `maxSlice`, in order. */
export function sliceSizes(total: number, maxSlice: number): number[] {
  if (!(maxSlice > 0)) throw new RangeError(`slice size must be positive, not ${maxSlice}`);
  const slices: number[] = [];
  for (let offset = 0; offset < total; offset += maxSlice) slices.push(Math.min(maxSlice, total - offset));
  return slices;
}

/**
 * The earliest time (ms) at which `bytes` more can have left a bucket that is
 * full at `now`: what a cap allows, for checking a transfer against it.
 */
export function earliestFinish(settings: TokenBucketSettings, bytes: number, now: number): number {
  const beyondBurst = Math.max(0, bytes - settings.burstBytes);
  return now + (beyondBurst * 1000) / settings.bytesPerSecond;
}
