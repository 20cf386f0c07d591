/** Every drill, in the order `npm run drills` runs them. */
import { edgeOutage } from './drills/edge-outage';
import { floods } from './drills/floods';
import { corruptPeer, peerLeaves } from './drills/peer-faults';
import { publisherKill } from './drills/publisher-kill';
import { queueDiskFull } from './drills/queue-disk-full';
import { soak } from './drills/soak';
import { storageErrors } from './drills/storage-errors';
import { trackerRestart } from './drills/tracker-restart';
import { workerdRestart } from './drills/workerd-restart';
import type { Drill } from './types';

export const drills: Drill[] = [
  publisherKill,
  edgeOutage,
  workerdRestart,
  storageErrors,
  queueDiskFull,
  corruptPeer,
  peerLeaves,
  trackerRestart,
  floods,
  soak,
];

export const drillNamed = (name: string) => drills.find((d) => d.name === name);
