/** FNV-1a, 32 bit (`from` continues a hash: fnv1a(b, fnv1a(a)) === fnv1a(a + b)): a small, stable hash so every peer (and the simulator) ranks the same way. */
export function fnv1a(text: string, from = 0x811c9dc5): number {
  let hash = from;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
