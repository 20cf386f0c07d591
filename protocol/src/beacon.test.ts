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

  it.each([
    [null, 'not an object'],
    [{ ...good, v: 2 }, 'unknown version'],
    [{ ...good, stream: '../x' }, 'bad stream'],
    [{ ...good, viewer: 'short' }, 'bad viewer'],
    [{ ...good, mode: 'p2p' }, 'bad mode'],
    [{ ...good, httpBytes: -1 }, 'httpBytes is negative'],
    [{ ...good, p2pBytes: '5' }, 'p2pBytes is not a number'],
    [{ ...good, peers: Number.NaN }, 'peers is not a number'],
    [{ ...good, bufferSeconds: undefined }, 'bufferSeconds is not a number'],
    [{ ...good, httpBytes: 1e12 }, 'httpBytes absurdly large'],
    [{ ...good, p2pSegments: 1000 }, 'p2pSegments absurdly large'],
    [{ ...good, stallMs: 60_000 }, 'stallMs exceeds the interval'],
    [{ ...good, intervalMs: 10 * 60_000 }, 'interval too long'],
    [{ ...good, latencySeconds: -3 }, 'latencySeconds is negative'],
    [{ ...good, region: 'a b' }, 'bad region'],
  ])('refuses %j: %s', (body, reason) => {
    expect(parseBeacon(body)).toEqual({ ok: false, reason });
  });
});
