import { Hono } from 'hono';
import type { AppEnv } from '../env';

/** Placeholder: tracker routes (issue 4) go here. */
export const trackerRoutes = new Hono<AppEnv>();
