import { Hono } from 'hono';
import type { AppEnv } from '../env';

/** Placeholder: beacon ingestion, stats JSON and the dashboard page (issue 6) go here. */
export const statsRoutes = new Hono<AppEnv>();
