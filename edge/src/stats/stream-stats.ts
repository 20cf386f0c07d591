import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** Placeholder: the per-stream stats aggregator (issue 6) fills this in. */
export class StreamStats extends DurableObject<Env> {}
