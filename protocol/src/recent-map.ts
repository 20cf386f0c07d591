/**
 * A Map bounded by recency: its insertion order is the order keys were last set, so its first key is the one set
 * longest ago. Every bounded cache on the edge and in the player keeps its entries this way.
 */

/** Sets `key` to `value` as the newest entry of `map`, then forgets the oldest entries beyond `max`. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
