import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { storageCounters } from '../media/counters';

export const metaRoutes = new Hono<AppEnv>();

metaRoutes.get('/healthz', (c) => c.json({ ok: true }));

/** This isolate's storage counters: how well the cache and miss coalescing are doing. */
metaRoutes.get('/v1/metrics', (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ scope: 'isolate', storage: storageCounters });
});
