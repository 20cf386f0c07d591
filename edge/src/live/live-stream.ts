import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** Placeholder: the live coordinator (issue 3) fills this in. */
export class LiveStream extends DurableObject<Env> {}
