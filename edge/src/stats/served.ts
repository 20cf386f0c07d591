/**
 * The edge's own count of media-segment bytes served, per stream: the figure
 * that checks what viewers claim. The read path calls `recordServed` once per
 * response, which costs one Map update; the first record of a batch schedules
 * a flush to the stream's StreamStats object `flushAfterMs` later with
 * waitUntil, so a busy isolate sends each stream one batch every few seconds
 * whatever its request rate, and the segment response never waits for it.
 *
 * Counted: GET responses of media segments, 200 (the object's size) and 206
 * (the range's length). Not counted: HEAD, 304, errors, playlists and init
 * segments, because the player's byte counters (p2p-media-loader's) see only
 * media segments. A response the client aborts is still counted whole.
 */
import type { ObjectKind } from '@edgeswarm/protocol';
import type { Context } from 'hono';
import type { AppEnv, Env } from '../env';
import type { ServedBatch } from './aggregate';

export const servedDefaults = {
  /** How long a batch gathers bytes before it is sent. */
  flushAfterMs: 2000,
};

/** What one response put on the wire, for the stats. */
export function servedBytes(method: string, kind: ObjectKind, response: Response): number {
  if (method !== 'GET' || kind !== 'segment') return 0;
  if (response.status !== 200 && response.status !== 206) return 0;
  const length = Number(response.headers.get('Content-Length'));
  return Number.isSafeInteger(length) && length > 0 ? length : 0;
}

/** Per-stream batches of served bytes; `now` is passed in. */
export class ServedAccumulator {
  private readonly pending = new Map<string, ServedBatch>();

  /** Adds to the stream's batch; true when this opened a new batch, whose flush the caller schedules. */
  add(stream: string, bytes: number, now: number): boolean {
    const batch = this.pending.get(stream);
    if (batch) {
      batch.bytes += bytes;
      batch.requests++;
      return false;
    }
    this.pending.set(stream, { bytes, requests: 1, fromMs: now, toMs: now });
    return true;
  }

  /** Removes and returns the stream's batch, closed at `now`. */
  take(stream: string, now: number): ServedBatch | undefined {
    const batch = this.pending.get(stream);
    if (!batch) return undefined;
    this.pending.delete(stream);
    return { ...batch, toMs: Math.max(batch.fromMs, now) };
  }

  streams(): string[] {
    return [...this.pending.keys()];
  }
}

/** This isolate's batches. */
export const servedAccumulator = new ServedAccumulator();

const statsObject = (env: Env, stream: string) => env.STATS.get(env.STATS.idFromName(stream));

async function flushStream(env: Env, stream: string): Promise<void> {
  const batch = servedAccumulator.take(stream, Date.now());
  if (!batch) return;
  try {
    await statsObject(env, stream).recordServed(batch);
  } catch (error) {
    // The bytes were served; only their count is lost. Never let stats break the read path.
    console.warn(`stats: could not record ${batch.bytes} served bytes for ${stream}`, error);
  }
}

async function flushLater(env: Env, stream: string, delayMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  await flushStream(env, stream);
}

/** Records one response of the read path. Call it after the response is built. */
export function recordServed(
  c: Context<AppEnv>,
  address: { streamId: string; object: { kind: ObjectKind } },
  response: Response,
): void {
  const bytes = servedBytes(c.req.method, address.object.kind, response);
  if (bytes === 0) return;
  if (servedAccumulator.add(address.streamId, bytes, Date.now())) {
    c.executionCtx.waitUntil(flushLater(c.env, address.streamId, servedDefaults.flushAfterMs));
  }
}

/**
 * Sends every pending batch now (a test's way to skip the wait). The flushes
 * already scheduled then find nothing to send; they are not woken early, since
 * a promise of one request's context must not be settled from another's.
 */
export async function flushServed(env: Env): Promise<void> {
  await Promise.all(servedAccumulator.streams().map((stream) => flushStream(env, stream)));
}
