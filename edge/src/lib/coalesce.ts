/**
 * Joins concurrent requests for the same key onto one load. The entry stays
 * until `hold` settles (e.g. the Cache API write of the result), so a request
 * arriving after the load but before the cache has it still joins instead of
 * loading again.
 */
export interface Coalesced<T> {
  promise: Promise<T>;
  /** True for the caller whose request started the load. */
  leader: boolean;
}

export function createCoalescer<T>() {
  const inflight = new Map<string, Promise<T>>();
  return {
    run(key: string, load: () => Promise<T>, hold?: (value: T) => Promise<unknown> | undefined): Coalesced<T> {
      const pending = inflight.get(key);
      if (pending) return { promise: pending, leader: false };
      const promise = load().then(
        (value) => {
          const held = hold?.(value);
          if (held) held.finally(() => inflight.delete(key));
          else inflight.delete(key);
          return value;
        },
        (error: unknown) => {
          inflight.delete(key);
          throw error;
        },
      );
      inflight.set(key, promise);
      return { promise, leader: true };
    },
    get size() {
      return inflight.size;
    },
  };
}
