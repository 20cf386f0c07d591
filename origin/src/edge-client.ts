/**
 * Talks to the edge's publishing API: uploads, live sessions, commits, end.
 * Every call is retried with jittered backoff while the edge is unreachable or
 * failing; every call is idempotent on the edge, so a retry after a lost
 * response is harmless. 4xx answers are final and carry the edge's reason.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublisherCheck, SegmentCommit, StreamStatus } from '@edgeswarm/protocol';
import { EdgeRejectedError, EdgeUnavailableError, PreflightError } from './errors';
import { backoffDelay, isRetryableStatus, type RetryPolicy, retryDefaults } from './retry';

export interface EdgeClientOptions {
  edgeUrl: string;
  streamId: string;
  publishKey: string;
  retry?: RetryPolicy;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (what: string, attempt: number, reason: string, delayMs: number) => void;
  /** Aborts waits between retries (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

export interface PutResult {
  outcome: 'created' | 'replaced' | 'unchanged';
  sha256: string;
  size: number;
}

export interface SessionResult {
  session: number;
  stream: StreamStatus;
  playlist: string;
  watch: string;
}

/** The JSON reason of an edge error answer, or its text. */
export async function reasonOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    return (JSON.parse(text) as { reason?: string }).reason ?? text;
  } catch {
    return text.slice(0, 200) || response.statusText;
  }
}

export function createEdgeClient(options: EdgeClientOptions) {
  const policy = options.retry ?? retryDefaults;
  const base = `${options.edgeUrl.replace(/\/+$/, '')}/v1/streams/${options.streamId}`;
  const auth = { Authorization: `Bearer ${options.publishKey}` };

  async function send<T>(
    method: string,
    path: string,
    what: string,
    body?: Uint8Array | string,
    headers: Record<string, string> = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          // file and encoder buffers are never shared memory
          ...(body === undefined ? {} : { body: body as Uint8Array<ArrayBuffer> | string }),
          headers: { ...auth, ...headers },
          signal: AbortSignal.timeout(30_000),
        });
        if (response.ok) return (await response.json()) as T;
        const why = await reasonOf(response);
        if (!isRetryableStatus(response.status)) throw new EdgeRejectedError(response.status, why, what);
        reason = `${response.status} ${why}`;
      } catch (error) {
        if (error instanceof EdgeRejectedError) throw error;
        reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      }
      if (attempt >= policy.retries || options.signal?.aborted) {
        throw new EdgeUnavailableError(`could not send ${what} after ${attempt + 1} attempts: ${reason}`);
      }
      const delay = backoffDelay(attempt, Math.random(), policy);
      options.onRetry?.(what, attempt + 1, reason, delay);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
    }
  }

  const json = (value: unknown) => JSON.stringify(value);
  const jsonHeaders = { 'Content-Type': 'application/json' };

  return {
    /** `createOnly`: `If-None-Match: *`, so an object someone else put there meanwhile is not overwritten (412). */
    putObject(name: string, bytes: Uint8Array, put: { createOnly?: boolean } = {}): Promise<PutResult> {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return send('PUT', `/${name}`, name, bytes, {
        'X-Content-SHA256': sha256,
        ...(put.createOnly ? { 'If-None-Match': '*' } : {}),
      });
    },
    /** `partTarget` (seconds): the session sends LL-HLS parts. */
    openSession(liveOptions: { targetDuration?: number; partTarget?: number } = {}): Promise<SessionResult> {
      return send('POST', '/sessions', 'session', json(liveOptions), jsonHeaders);
    },
    /** An LL-HLS part of the segment being written; the coordinator keeps it, R2 never sees it. */
    putPart(
      name: string,
      bytes: Uint8Array,
      part: { duration: number; independent: boolean },
    ): Promise<{ outcome: 'appended' | 'duplicate' }> {
      return send('PUT', `/${name}`, name, bytes, {
        'X-Content-SHA256': createHash('sha256').update(bytes).digest('hex'),
        'X-Part-Duration': String(Number(part.duration.toFixed(6))),
        ...(part.independent ? { 'X-Part-Independent': 'YES' } : {}),
      });
    },
    /** `warning`: accepted, but something is wrong (a segment that is not its parts: the edge dropped the parts). */
    commit(commit: SegmentCommit): Promise<{ outcome: 'appended' | 'duplicate'; warning?: string }> {
      return send('POST', '/commits', `commit ${commit.rendition}#${commit.msn}`, json(commit), jsonHeaders);
    },
    end(): Promise<{ stream: StreamStatus }> {
      return send('POST', '/end', 'end of stream', '', jsonHeaders);
    },
  };
}

export type EdgeClient = ReturnType<typeof createEdgeClient>;

export const preflightDefaults = {
  /** The whole check, so a wrong edge or key fails well inside 3 s, before any encoding. */
  timeoutMs: 2500,
};

export type PreflightAnswer = { status: number; reason: string } | { unreachable: string };

/**
 * Pure: what the publisher check's answer means for the user, or undefined when publishing may go
 * ahead. Every refusal names the way out: --edge / EDGE_URL, --key / PUBLISH_KEY.
 */
export function explainPreflight(
  edgeUrl: string,
  streamId: string,
  answer: PreflightAnswer,
): { retryable: boolean; message: string } | undefined {
  const edgeHint = 'start one with `npm start`, or point --edge (or EDGE_URL) at yours';
  const keyHint = `pass stream ${streamId}'s key with --key (or PUBLISH_KEY), or check that --edge (or EDGE_URL) is the edge whose PUBLISH_SECRET made it`;
  if ('unreachable' in answer) {
    return { retryable: true, message: `cannot reach the edge at ${edgeUrl} (${answer.unreachable}): ${edgeHint}` };
  }
  const { status, reason } = answer;
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) {
    return {
      retryable: false,
      message: `the edge at ${edgeUrl} refused the publish key: ${status} ${reason}; ${keyHint}`,
    };
  }
  if (status === 404) {
    return {
      retryable: false,
      message: `${edgeUrl} is not an edgeswarm edge, or an older one (404 on the publisher check): point --edge (or EDGE_URL) at the edge`,
    };
  }
  return {
    retryable: status >= 500 && status !== 503,
    message: `the edge at ${edgeUrl} cannot take a publisher now: ${status} ${reason}`,
  };
}

/** Pure: the publisher check's 200 body, read defensively (an older edge says nothing of what is published). */
export function readPublisherCheck(streamId: string, body: unknown): PublisherCheck {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Partial<PublisherCheck>;
  const kind = fields.kind === 'vod' || fields.kind === 'live' ? fields.kind : undefined;
  return {
    ok: true,
    stream: streamId,
    role: fields.role === 'operator' ? 'operator' : 'publisher',
    published: fields.published === true,
    ...(fields.published === true && kind ? { kind } : {}),
  };
}

/**
 * Before any encoding: is the edge there, may this key publish to this stream, and what does the
 * stream hold already? `GET /v1/streams/:stream/publisher` writes nothing on the edge.
 */
export async function checkPublisher(
  options: Pick<EdgeClientOptions, 'edgeUrl' | 'streamId' | 'publishKey'>,
  limits = preflightDefaults,
): Promise<PublisherCheck> {
  const url = `${options.edgeUrl.replace(/\/+$/, '')}/v1/streams/${options.streamId}/publisher`;
  let answer: PreflightAnswer;
  let body: unknown;
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${options.publishKey}` },
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
    if (response.ok) body = await response.json().catch(() => undefined);
    answer = { status: response.status, reason: response.ok ? '' : await reasonOf(response) };
  } catch (error) {
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const timedOut = (error as Error).name === 'TimeoutError';
    answer = {
      unreachable: timedOut
        ? `no answer within ${limits.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message),
    };
  }
  const verdict = explainPreflight(options.edgeUrl, options.streamId, answer);
  if (!verdict) return readPublisherCheck(options.streamId, body);
  throw verdict.retryable ? new EdgeUnavailableError(verdict.message) : new PreflightError(verdict.message);
}
