import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** Placeholder: the tracker swarm (issue 4) fills this in. */
export class TrackerSwarm extends DurableObject<Env> {}
