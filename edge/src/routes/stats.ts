/**
 * Stats: player beacons in, the per-stream stats JSON out, and the dashboard
 * page. Parse, delegate to the stream's StreamStats object, map the answer.
 * Every refused beacon is counted by reason in that object.
 */

import type { RejectionReason } from '@edgeswarm/protocol';
import { beaconLimits, parseBeacon, paths, validateStreamId } from '@edgeswarm/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv, Env } from '../env';
import { clientAddress, PenaltyNotes } from '../lib/address-limiter';
import {
  BadRequestError,
  ConflictError,
  type EdgeError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
} from '../lib/errors';
import { readBounded } from '../media/ingest';
import { beaconAddressDefaults } from '../stats/aggregate';
import { renderDashboardPage } from '../stats/dashboard-page';
import { streamExists } from '../stats/known-streams';
import { addressRefusal } from '../stats/stream-stats';

export const statsRoutes = new Hono<AppEnv>();

/** Per isolate: addresses the stats objects penalised for a beacon flood (lib/address-limiter.ts). */
const penalties = new PenaltyNotes(beaconAddressDefaults.maxAddresses);

const statsObject = (env: Env, stream: string) => env.STATS.get(env.STATS.idFromName(stream));

function streamParam(c: Context<AppEnv>): string {
  const stream = validateStreamId(c.req.param('stream') ?? '');
  if (!stream.ok) throw new BadRequestError(stream.reason);
  return stream.value;
}

async function readBody(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array | 'too_large'> {
  try {
    return await readBounded(body, beaconLimits.maxBytes);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return 'too_large';
    throw error;
  }
}

// sendBeacon posts text/plain or application/json and never reads the answer, so the
// answer is for curl users and tests: 204 (202 when held, from an internet address), or { error, reason } with the status.
statsRoutes.post('/v1/streams/:stream/beacons', async (c) => {
  const stream = streamParam(c);
  // An address the stats object penalised is refused here, uncounted, until it may try again: a flood costs no call.
  const address = clientAddress(c.req.raw.headers);
  const until = penalties.refusedUntil(address, Date.now());
  if (until) throw new TooManyRequestsError(addressRefusal, Math.ceil((until - Date.now()) / 1000));
  if (!(await streamExists(c.env.MEDIA, stream))) throw new NotFoundError(`no stream ${stream} has been published`);
  const stats = statsObject(c.env, stream);
  const refuse = (reason: RejectionReason, error: EdgeError, detail?: string): EdgeError => {
    // Counted after the answer: a refused beacon should cost its sender nothing more.
    c.executionCtx.waitUntil(stats.reject(reason, detail));
    return error;
  };

  const declared = Number(c.req.header('Content-Length') ?? 0);
  const bytes = declared > beaconLimits.maxBytes ? 'too_large' : await readBody(c.req.raw.body);
  if (bytes === 'too_large') throw refuse('too_large', new PayloadTooLargeError(beaconLimits.maxBytes));
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw refuse('not_json', new BadRequestError('beacon body must be JSON'));
  }
  const parsed = parseBeacon(body);
  if (!parsed.ok) throw refuse(parsed.kind, new BadRequestError(parsed.reason), parsed.reason);
  if (parsed.value.stream !== stream) {
    throw refuse(
      'stream_mismatch',
      new BadRequestError(`beacon is for stream ${parsed.value.stream} but was posted to ${stream}`),
    );
  }

  const verdict = await stats.ingest(parsed.value, address);
  // 202: held, counted in a few seconds unless its address floods meanwhile (stats/held-beacons.ts).
  if (verdict.ok) return c.body(null, verdict.held ? 202 : 204);
  if (verdict.status === 409) throw new ConflictError(verdict.message);
  if (verdict.reason === 'rate_limited' && verdict.address)
    penalties.note(address, Date.now(), verdict.retryAfterSeconds ?? 0);
  throw new TooManyRequestsError(verdict.message, verdict.retryAfterSeconds);
});

statsRoutes.get('/v1/streams/:stream/stats', async (c) => {
  const stream = streamParam(c);
  const stats = await statsObject(c.env, stream).snapshot(stream);
  c.header('Cache-Control', 'no-store');
  return c.json(stats);
});

statsRoutes.get('/dashboard/:stream', (c) => {
  const stream = streamParam(c);
  c.header('Cache-Control', 'public, max-age=60');
  return c.html(
    renderDashboardPage({
      streamId: stream,
      statsUrl: `/v1/streams/${stream}/stats`,
      statusUrl: `/v1/streams/${stream}`,
      watchUrl: paths.watch(stream),
      script: '/player/dashboard.js',
    }),
  );
});
