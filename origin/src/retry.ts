/** Retry policy as pure functions: which failures to retry, and how long to wait. */

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseMs: number;
  maxMs: number;
}

export const retryDefaults: RetryPolicy = { retries: 6, baseMs: 250, maxMs: 8_000 };

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^attempt)]. `random` ∈ [0, 1). */
export function backoffDelay(attempt: number, random: number, policy: RetryPolicy = retryDefaults): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random * ceiling);
}

/** 5xx, 408 and 429 may clear up; other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
