/**
 * What a player counts over time. The one list of counter names: the beacon
 * (its validation and its fields), the edge's stats totals, the player's
 * running totals and the harnesses' viewer results all derive from it, so a
 * new counter is added here and nowhere else.
 */

/** In wire order. */
export const counterKeys = [
  'httpBytes',
  'p2pBytes',
  'uploadedBytes',
  'httpSegments',
  'p2pSegments',
  // Segments from peers that failed the integrity check (refetched from the edge).
  'integrityFailures',
  // Bytes from peers that failed the integrity check: received, never used, so never offload.
  'rejectedP2pBytes',
  'stalls',
  'stallMs',
] as const;

export type CounterKey = (typeof counterKeys)[number];

/** What a player counts; a beacon carries the change since the previous one. */
export type Counters = Record<CounterKey, number>;

/**
 * What each counter counts, which sets how much of it one second can plausibly
 * hold: bytes and events have per-second maxima, stall time cannot exceed the
 * time it was measured over.
 */
export type CounterUnit = 'bytes' | 'events' | 'ms';

export const counterUnits: Record<CounterKey, CounterUnit> = {
  httpBytes: 'bytes',
  p2pBytes: 'bytes',
  uploadedBytes: 'bytes',
  httpSegments: 'events',
  p2pSegments: 'events',
  integrityFailures: 'events',
  rejectedP2pBytes: 'bytes',
  stalls: 'events',
  stallMs: 'ms',
};

/**
 * Counters added after players were already out there: a beacon without one counts as 0 there (older players do
 * not send it), where any other missing counter makes the beacon malformed.
 */
export const laterCounterKeys: readonly CounterKey[] = ['rejectedP2pBytes'];

/** Counters with each value computed from its key, in `counterKeys` order. */
export function countersFrom(value: (key: CounterKey) => number): Counters {
  const counters = {} as Counters;
  for (const key of counterKeys) counters[key] = value(key);
  return counters;
}

export const zeroCounters = (): Counters => countersFrom(() => 0);
