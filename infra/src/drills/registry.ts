/** Every drill, in the order `npm run drills` runs them. */
import { publisherKill } from './drills/publisher-kill';
import type { Drill } from './types';

export const drills: Drill[] = [publisherKill];

export const drillNamed = (name: string) => drills.find((d) => d.name === name);
