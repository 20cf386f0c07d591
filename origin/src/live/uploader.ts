/**
 * Drains the disk queue strictly in order: PUT the bytes, commit, remove. A
 * failure that may clear up (edge down, 5xx) is retried with jittered
 * exponential backoff, forever, without skipping ahead, so segments reach the
 * coordinator in sequence, exactly once. A refusal (4xx) of one item is
 * reported and the item dropped, so one bad item cannot wedge a live stream.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EdgeClient } from '../edge-client';
import { EdgeRejectedError } from '../errors';
import { backoffDelay, type RetryPolicy } from '../retry';
import type { DiskQueue, QueuedItem } from './queue';

export interface UploaderEvents {
  onDone?: (item: QueuedItem, at: number) => void;
  onRetry?: (item: QueuedItem, attempt: number, reason: string, delayMs: number) => void;
  onRejected?: (item: QueuedItem, error: EdgeRejectedError) => void;
  /** The edge accepted the item but said something was wrong (a segment that is not its parts). */
  onWarning?: (item: QueuedItem, warning: string) => void;
}

export const uploaderRetry: RetryPolicy = { retries: Number.POSITIVE_INFINITY, baseMs: 250, maxMs: 5_000 };

type Client = Pick<EdgeClient, 'putObject' | 'commit' | 'end'> & Partial<Pick<EdgeClient, 'putPart'>>;

/** Delivers one item; the edge's warning about it, if any. */
async function send(client: Client, item: QueuedItem): Promise<string | undefined> {
  if (item.part && client.putPart) await client.putPart(item.part.name, item.bytes(), item.part);
  if (item.put) await client.putObject(item.put.name, item.bytes());
  const committed = item.commit ? await client.commit(item.commit) : undefined;
  if (item.end) await client.end();
  return committed?.warning;
}

export class Uploader {
  private wakeUp: () => void = () => {};
  private stopped = false;

  constructor(
    private readonly queue: DiskQueue,
    /** Should not retry by itself: the uploader owns the backoff. */
    private readonly client: Client,
    private readonly events: UploaderEvents = {},
    private readonly policy: RetryPolicy = uploaderRetry,
    private readonly now: () => number = Date.now,
  ) {}

  /** New work was enqueued. */
  notify(): void {
    this.wakeUp();
  }

  stop(): void {
    this.stopped = true;
    this.wakeUp();
  }

  /** Runs until stopped; with `untilEmpty`, returns as soon as the queue is drained. */
  async run(untilEmpty = false): Promise<void> {
    this.stopped = false;
    while (!this.stopped) {
      const item = this.queue.peek();
      if (!item) {
        if (untilEmpty) return;
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, 500).unref();
        });
        continue;
      }
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          const warning = await send(this.client, item);
          this.queue.remove(item.seq);
          if (warning !== undefined) this.events.onWarning?.(item, warning);
          this.events.onDone?.(item, this.now());
          break;
        } catch (error) {
          if (error instanceof EdgeRejectedError) {
            this.events.onRejected?.(item, error);
            this.queue.remove(item.seq);
            break;
          }
          if (attempt >= this.policy.retries) throw error;
          const delay = backoffDelay(attempt, Math.random(), this.policy);
          this.events.onRetry?.(item, attempt + 1, (error as Error).message, delay);
          await sleep(delay);
        }
      }
    }
  }
}
