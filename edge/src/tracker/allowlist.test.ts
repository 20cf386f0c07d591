import { describe, expect, it } from 'vitest';
import { admit, type SwarmAllowlist } from './allowlist';

const limits = { allowlistRefreshMs: 10_000 };
const list = (fields: Partial<SwarmAllowlist> = {}): SwarmAllowlist => ({
  stream: 'demo',
  published: true,
  infoHashes: new Set(['real-swarm-hash-0001']),
  derivedAt: 1000,
  ...fields,
});

describe('admit', () => {
  it('asks for a list when none was derived yet', () => {
    expect(admit(undefined, 'anything', 0, limits)).toEqual({ kind: 'refresh' });
  });

  it('admits a listed info_hash, however old the list', () => {
    expect(admit(list(), 'real-swarm-hash-0001', 10 ** 9, limits)).toEqual({ kind: 'admit' });
  });

  it('refuses an unlisted info_hash while the list is fresh, naming the cause', () => {
    expect(admit(list(), 'foreign-hash-0000000', 10_999, limits)).toEqual({
      kind: 'refuse',
      reason: "unknown swarm: info_hash is not one of stream demo's renditions (p2p-media-loader swarm ids)",
    });
    expect(admit(list({ published: false, infoHashes: new Set() }), 'x', 1000, limits)).toEqual({
      kind: 'refuse',
      reason: 'unknown swarm: stream demo has no published renditions',
    });
  });

  it('re-derives on a miss once the list is allowlistRefreshMs old (a rendition added mid-stream)', () => {
    expect(admit(list(), 'new-rendition-hash-1', 11_000, limits)).toEqual({ kind: 'refresh' });
  });
});
