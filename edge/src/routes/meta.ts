import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { BadRequestError, EdgeError, PayloadTooLargeError } from '../lib/errors';
import { storageCounters } from '../media/counters';

export const uplinkProbeLimits = {
  /** A probe body larger than this is refused before it is read (413). */
  maxBytes: 1_048_576,
};

export const metaRoutes = new Hono<AppEnv>();

metaRoutes.get('/healthz', (c) => c.json({ ok: true }));

/** This isolate's storage counters: how well the cache and miss coalescing are doing. */
metaRoutes.get('/v1/metrics', (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ scope: 'isolate', storage: storageCounters });
});

/**
 * The player's uplink probe: it uploads a few hundred kilobytes here when playback starts and times the upload, so it
 * knows its uplink before it is asked to lead a swarm (policy's capacity). The body is counted and dropped; nothing is
 * stored. The size must be declared, and is bounded.
 */
metaRoutes.post('/v1/probe/uplink', async (c) => {
  c.header('Cache-Control', 'no-store');
  const declared = c.req.header('Content-Length');
  if (declared === undefined || !/^\d+$/.test(declared)) {
    throw new BadRequestError('the probe needs a Content-Length');
  }
  if (Number(declared) > uplinkProbeLimits.maxBytes) throw new PayloadTooLargeError(uplinkProbeLimits.maxBytes);
  let bytes = 0;
  try {
    const reader = c.req.raw.body?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      bytes += chunk.value.byteLength;
      if (bytes > uplinkProbeLimits.maxBytes) throw new PayloadTooLargeError(uplinkProbeLimits.maxBytes);
    }
  } catch (error) {
    if (error instanceof EdgeError) throw error;
    throw new BadRequestError('the probe body ended early');
  }
  return c.json({ bytes });
});
