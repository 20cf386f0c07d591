/**
 * One token bucket shared by every connection through the proxy: callers ask
 * for bytes and are served first come, first served, slice by slice, so
 * concurrent responses interleave instead of one hogging the cap. The clock is
 * injected so tests run the schedule in virtual time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { newBucket, type TokenBucket, type TokenBucketSettings, take } from './token-bucket';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export class SharedThrottle {
  private bucket: TokenBucket;
  /** The last grant in the queue: each new request waits for it, which makes the queue FIFO. */
  private tail: Promise<void> = Promise.resolve();
  private grantedBytes = 0;
  private waitedMs = 0;

  constructor(
    readonly settings: TokenBucketSettings,
    private readonly clock: Clock = realClock,
  ) {
    this.bucket = newBucket(settings, clock.now());
  }

  /** Resolves once `bytes` (at most the burst) may be sent. */
  acquire(bytes: number): Promise<void> {
    const grant = this.tail.then(() => this.grant(bytes));
    this.tail = grant.catch(() => {});
    return grant;
  }

  private async grant(bytes: number): Promise<void> {
    for (;;) {
      const result = take(this.bucket, this.settings, bytes, this.clock.now());
      this.bucket = result.bucket;
      if (result.granted) {
        this.grantedBytes += bytes;
        return;
      }
      this.waitedMs += result.waitMs;
      await this.clock.sleep(result.waitMs);
    }
  }

  counters(): { grantedBytes: number; waitedMs: number } {
    return { grantedBytes: this.grantedBytes, waitedMs: this.waitedMs };
  }
}
