/**
 * `npm run streams`: the operator's list of streams with state, viewers and
 * size, from `GET /v1/streams` (operator secret). Like the publishing CLIs it
 * checks first: the first request is bounded in time, and an unreachable edge,
 * a wrong secret or an edge that is not ours fails at once with the way out.
 * Parsing, explaining and formatting are pure; `listStreams` does the requests.
 */
import { type CliRequest, type OptionTable, parseOptions } from './cli-options';
import { reasonOf } from './edge-client';
import { EdgeUnavailableError, InputError, type OriginError, PreflightError } from './errors';

export const streamsCommandDefaults = {
  edge: 'http://127.0.0.1:8787',
  /** The first request (the check), so a wrong edge or secret fails well inside 3 s. */
  checkTimeoutMs: 2500,
  /** Each further page. */
  pageTimeoutMs: 15_000,
  /** Pages followed at most (100 streams each). */
  maxPages: 100,
};

export const streamsUsage = `usage: npm run streams -- [--edge <url>] [--secret <operator secret>] [--json]

  Lists every stream on the edge with its state (created, live, ended, vod), current viewers
  and size in R2. Needs the operator secret: --secret, $PUBLISH_SECRET, or .dev.vars.
  --edge defaults to $EDGE_URL or ${streamsCommandDefaults.edge}. --json prints the edge's answer.`;

const options = {
  edge: { type: 'string' },
  secret: { type: 'string' },
  json: { type: 'boolean', default: false },
} satisfies OptionTable;

export interface StreamsArgs {
  edge: string;
  secret: string;
  json: boolean;
}

export function parseStreamsArgs(
  argv: readonly string[],
  environment: { EDGE_URL?: string | undefined; PUBLISH_SECRET?: string | undefined },
  devVarsSecret: string | undefined,
): CliRequest<StreamsArgs> {
  const parsed = parseOptions(argv, options);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  const edge = values.edge ?? environment.EDGE_URL ?? streamsCommandDefaults.edge;
  try {
    const url = new URL(edge);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    return { ok: false, reason: `--edge must be an http(s) URL, not ${JSON.stringify(edge)}` };
  }
  const secret = values.secret || environment.PUBLISH_SECRET || devVarsSecret;
  if (!secret) {
    return {
      ok: false,
      reason:
        'listing streams needs the operator secret: pass --secret, set PUBLISH_SECRET, or run npm start once to create .dev.vars',
    };
  }
  return { ok: true, value: { edge: edge.replace(/\/+$/, ''), secret, json: values.json } };
}

export type EdgeAnswer = { status: number; reason: string } | { unreachable: string };

/** What a failed listing request means for the user; undefined for a 2xx. */
export function explainListing(edge: string, answer: EdgeAnswer): OriginError | undefined {
  const edgeHint = 'start one with `npm start`, or point --edge (or EDGE_URL) at yours';
  if ('unreachable' in answer) {
    return new EdgeUnavailableError(`cannot reach the edge at ${edge} (${answer.unreachable}): ${edgeHint}`);
  }
  const { status, reason } = answer;
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) {
    return new PreflightError(
      `the edge at ${edge} refused the operator secret: ${status} ${reason}; pass the edge's PUBLISH_SECRET with --secret (or PUBLISH_SECRET), or check that --edge (or EDGE_URL) is the edge it belongs to`,
    );
  }
  if (status === 404) {
    return new PreflightError(
      `${edge} is not an edgeswarm edge, or an older one (404 on GET /v1/streams): point --edge (or EDGE_URL) at the edge`,
    );
  }
  if (status === 503)
    return new EdgeUnavailableError(`the edge at ${edge} has no operator secret configured: ${reason}`);
  return new EdgeUnavailableError(`the edge at ${edge} could not list streams: ${status} ${reason}`);
}

export interface ListedStream {
  id: string;
  state: string;
  createdAt?: string;
  viewers: number;
  objects: number;
  bytes: number;
  sizeIsLowerBound?: boolean;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A table, one stream a line, columns padded; a closing line with the totals. */
export function formatStreams(streams: readonly ListedStream[]): string {
  if (streams.length === 0) return 'no streams';
  const rows = [
    ['STREAM', 'STATE', 'VIEWERS', 'SIZE', 'OBJECTS', 'CREATED'],
    ...streams.map((s) => [
      s.id,
      s.state,
      String(s.viewers),
      `${s.sizeIsLowerBound ? '≥ ' : ''}${formatBytes(s.bytes)}`,
      String(s.objects),
      s.createdAt ?? '-',
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === 2 || i === 3 || i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const viewers = streams.reduce((sum, s) => sum + s.viewers, 0);
  const bytes = streams.reduce((sum, s) => sum + s.bytes, 0);
  lines.push(
    `${streams.length} stream${streams.length === 1 ? '' : 's'}, ${viewers} viewer${viewers === 1 ? '' : 's'}, ${formatBytes(bytes)}`,
  );
  return lines.join('\n');
}

/** Every page of `GET /v1/streams`. The first request is the check: bounded, and explained when refused. */
export async function listStreams(args: Pick<StreamsArgs, 'edge' | 'secret'>, limits = streamsCommandDefaults) {
  const streams: ListedStream[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < limits.maxPages; page++) {
    const url = `${args.edge}/v1/streams${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`;
    const timeoutMs = page === 0 ? limits.checkTimeoutMs : limits.pageTimeoutMs;
    let answer: EdgeAnswer;
    let body: { streams?: ListedStream[]; cursor?: string } = {};
    try {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${args.secret}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = { status: response.status, reason: response.ok ? '' : await reasonOf(response) };
      if (response.ok) body = (await response.json().catch(() => ({}))) as typeof body;
    } catch (error) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      answer = {
        unreachable:
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (cause?.code ?? cause?.message ?? (error as Error).message),
      };
    }
    const refused = explainListing(args.edge, answer);
    if (refused) throw refused;
    if (!Array.isArray(body.streams)) {
      throw new PreflightError(
        `${args.edge} answered GET /v1/streams without a stream list: is --edge (or EDGE_URL) an edgeswarm edge?`,
      );
    }
    streams.push(...body.streams);
    cursor = body.cursor;
    if (!cursor) return streams;
  }
  throw new InputError(`more than ${limits.maxPages} pages of streams; stopping`);
}
