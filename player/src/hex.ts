/** Pure: bytes as lowercase hex, two digits each (how the edge publishes segment hashes). */
export const toHex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
