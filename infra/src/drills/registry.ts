/** Every drill, in the order `npm run drills` runs them. */
import { edgeOutage } from './drills/edge-outage';
import { publisherKill } from './drills/publisher-kill';
import { workerdRestart } from './drills/workerd-restart';
import type { Drill } from './types';

export const drills: Drill[] = [publisherKill, edgeOutage, workerdRestart];

export const drillNamed = (name: string) => drills.find((d) => d.name === name);
