/**
 * Talks to the edge's ingest API. Every PUT carries the body's SHA-256, and
 * is retried with jittered backoff while the edge is unreachable or failing;
 * ingest is idempotent, so a retry after a lost response is harmless.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EdgeRejectedError, EdgeUnavailableError } from './errors';
import { backoffDelay, isRetryableStatus, type RetryPolicy, retryDefaults } from './retry';

export interface EdgeClientOptions {
  edgeUrl: string;
  streamId: string;
  publishKey: string;
  retry?: RetryPolicy;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (what: string, attempt: number, reason: string, delayMs: number) => void;
}

export interface PutResult {
  outcome: 'created' | 'replaced' | 'unchanged';
  sha256: string;
  size: number;
}

async function reasonOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    return (JSON.parse(text) as { reason?: string }).reason ?? text;
  } catch {
    return text.slice(0, 200) || response.statusText;
  }
}

export function createEdgeClient(options: EdgeClientOptions) {
  const policy = options.retry ?? retryDefaults;
  const base = options.edgeUrl.replace(/\/+$/, '');

  async function putObject(name: string, bytes: Uint8Array): Promise<PutResult> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const url = `${base}/v1/streams/${options.streamId}/${name}`;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const response = await fetch(url, {
          method: 'PUT',
          body: bytes as Uint8Array<ArrayBuffer>, // file and encoder buffers are never shared memory
          headers: { Authorization: `Bearer ${options.publishKey}`, 'X-Content-SHA256': sha256 },
          signal: AbortSignal.timeout(30_000),
        });
        if (response.ok) return (await response.json()) as PutResult;
        reason = `${response.status} ${await reasonOf(response)}`;
        if (!isRetryableStatus(response.status)) {
          throw new EdgeRejectedError(response.status, reason.slice(4), name);
        }
      } catch (error) {
        if (error instanceof EdgeRejectedError) throw error;
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        reason = cause ?? (error as Error).message;
      }
      if (attempt >= policy.retries) {
        throw new EdgeUnavailableError(`could not upload ${name} after ${attempt + 1} attempts: ${reason}`);
      }
      const delay = backoffDelay(attempt, Math.random(), policy);
      options.onRetry?.(name, attempt + 1, reason, delay);
      await sleep(delay);
    }
  }

  return { putObject };
}

export type EdgeClient = ReturnType<typeof createEdgeClient>;
