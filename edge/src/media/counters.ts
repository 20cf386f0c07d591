/**
 * Per-isolate instrumentation of storage traffic. Tests read it directly (the
 * pool runs the Worker in the test isolate); operators read it at /v1/metrics.
 */
export const storageCounters = {
  r2Gets: 0,
  r2Puts: 0,
  cacheHits: 0,
  cacheMisses: 0,
  coalescedMisses: 0,
  /** Live playlist requests that reached a stream's coordinator (after cache and coalescing). */
  coordinatorCalls: 0,
};

export function resetStorageCounters(): void {
  for (const key of Object.keys(storageCounters) as (keyof typeof storageCounters)[]) storageCounters[key] = 0;
}
