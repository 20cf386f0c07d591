import { describe, expect, it } from 'vitest';
import { type Beacon, parseBeacon } from './beacon';

const good: Beacon = {
  v: 1,
  stream: 'demo',
  viewer: 'viewer-abc123',
  seq: 3,
  mode: 'hybrid',
  intervalMs: 5000,
  httpBytes: 400_000,
  p2pBytes: 1_200_000,
  uploadedBytes: 800_000,
  httpSegments: 1,
  p2pSegments: 4,
  integrityFailures: 0,
  rejectedP2pBytes: 0,
  stalls: 0,
  stallMs: 0,
  peers: 3,
  bufferSeconds: 4.2,
  latencySeconds: 6.1,
  region: 'eu',
};

describe('parseBeacon', () => {
  it('accepts a good beacon and keeps only known fields', () => {
    expect(parseBeacon({ ...good, extra: 'dropped', startupMs: 900, final: true })).toEqual({
      ok: true,
      value: { ...good, startupMs: 900, final: true },
    });
  });

  it('reads a counter added since (rejectedP2pBytes) as 0 from an older player, and checks it when present', () => {
    const { rejectedP2pBytes: _absent, ...older } = good;
    expect(parseBeacon(older)).toEqual({ ok: true, value: { ...good, rejectedP2pBytes: 0 } });
    expect(parseBeacon({ ...good, rejectedP2pBytes: 250_000 })).toMatchObject({
      ok: true,
      value: { rejectedP2pBytes: 250_000 },
    });
    expect(parseBeacon({ ...good, rejectedP2pBytes: -1 })).toMatchObject({ ok: false, kind: 'negative' });
    expect(parseBeacon({ ...good, rejectedP2pBytes: 'x' })).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseBeacon({ ...good, rejectedP2pBytes: 1e12 })).toMatchObject({ ok: false, kind: 'absurd' });
  });

  it.each(['hybrid', 'cdn', 'p2pml'] as const)('accepts the %s playback mode', (mode) => {
    expect(parseBeacon({ ...good, mode })).toMatchObject({ ok: true, value: { mode } });
  });

  it.each([
    [null, 'malformed', 'not an object'],
    [[good], 'malformed', 'not an object'],
    [{ ...good, v: 2 }, 'malformed', 'unknown version'],
    [{ ...good, stream: '../x' }, 'malformed', 'bad stream'],
    [{ ...good, viewer: 'short' }, 'malformed', 'bad viewer'],
    [{ ...good, mode: 'p2p' }, 'malformed', 'bad mode'],
    [{ ...good, mode: 'toString' }, 'malformed', 'bad mode'],
    [{ ...good, seq: 'x' }, 'malformed', 'seq is not a number'],
    [{ ...good, p2pBytes: '5' }, 'malformed', 'p2pBytes is not a number'],
    [{ ...good, peers: Number.NaN }, 'malformed', 'peers is not a number'],
    [{ ...good, bufferSeconds: undefined }, 'malformed', 'bufferSeconds is not a number'],
    [{ ...good, region: 'a b' }, 'malformed', 'bad region'],
    [{ ...good, final: 'yes' }, 'malformed', 'bad final'],
    [{ ...good, httpBytes: -1 }, 'negative', 'httpBytes is negative'],
    [{ ...good, latencySeconds: -3 }, 'negative', 'latencySeconds is negative'],
    [{ ...good, httpBytes: 1e12 }, 'absurd', 'httpBytes absurdly large'],
    [{ ...good, p2pSegments: 1000 }, 'absurd', 'p2pSegments absurdly large'],
    [{ ...good, stallMs: 60_000 }, 'absurd', 'stallMs exceeds the interval'],
    [{ ...good, intervalMs: 10 * 60_000 }, 'absurd', 'interval too long'],
    [{ ...good, peers: 10_000 }, 'absurd', 'peers absurdly large'],
    [{ ...good, bufferSeconds: 4000 }, 'absurd', 'bufferSeconds absurdly large'],
    [{ ...good, startupMs: 1e9 }, 'absurd', 'startupMs absurdly large'],
  ])('refuses %j as %s: %s', (body, kind, reason) => {
    expect(parseBeacon(body)).toEqual({ ok: false, kind, reason });
  });
});
