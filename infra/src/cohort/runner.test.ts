import { describe, expect, it } from 'vitest';
import { sampleOf } from '../compare/test-fixtures';
import { joinTimes, navigationRetryable, progressLine, viewersLine, watchUrl } from './runner';

describe('cohort runner', () => {
  it('opens the watch page with no STUN, one region, P2P off for CDN-only, beacons off on request', () => {
    const base = { pageBase: 'http://127.0.0.1:9', stream: 's1' };
    expect(watchUrl({ ...base, name: 'cdn' })).toBe('http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none&p2p=off');
    expect(watchUrl({ ...base, name: 'hybrid' })).toBe('http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none');
    expect(watchUrl({ ...base, name: 'hybrid', beacons: false })).toBe(
      'http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none&beacon=off',
    );
  });

  it('sets the latency target when the plan has one (compare --latency)', () => {
    const base = { pageBase: 'http://127.0.0.1:9', stream: 's1' };
    expect(watchUrl({ ...base, name: 'cdn', latencyTarget: 'low' })).toBe(
      'http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none&p2p=off&latency-target=low',
    );
    expect(watchUrl({ ...base, name: 'hybrid', latencyTarget: 6 })).toBe(
      'http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none&latency-target=6',
    );
  });

  it('gives the players the STUN server on the bridge in a NAT run', () => {
    expect(
      watchUrl({ pageBase: 'http://10.77.0.1:9', stream: 's1', name: 'hybrid', iceServers: 'stun:10.77.0.1:3478' }),
    ).toBe('http://10.77.0.1:9/watch/s1?region=eu&ice-servers=stun%3A10.77.0.1%3A3478');
  });

  it('joins viewers a stagger apart, or when the plan says', () => {
    expect(joinTimes({ viewers: 3, staggerSeconds: 3 })).toEqual([0, 3, 6]);
    expect(joinTimes({ viewers: 4, staggerSeconds: 3, joinAtSeconds: [0, 3, 6, 10] })).toEqual([0, 3, 6, 10]);
  });

  it('prints a progress line from the last two samples', () => {
    const line = progressLine(
      { harness: 'compare', name: 'hybrid', viewers: 3, seconds: 120 },
      sampleOf(4, [{ httpBytes: 250_000, latencySeconds: 5 }, null, null]),
      sampleOf(
        6,
        [
          { httpBytes: 500_000, latencySeconds: 5, peers: 1, stalls: 1, stalledMs: 1200 },
          { p2pBytes: 250_000, latencySeconds: 6, peers: 1 },
          null,
        ],
        2.5,
      ),
    );
    expect(line).toBe(
      'compare: hybrid 6/120 s · 2/3 playing · edge 1.00 Mbit/s · P2P 50% · peers 1.0 · stalls 1 (1.2 s) · latency p50 5.0 s · load 2.50',
    );
  });

  it('prints each viewer: first fetchers starred, and with a link its measured rates since the last line', () => {
    const links = [
      { profile: 'dsl', downMbps: 16, upMbps: 1 },
      { profile: 'cable', downMbps: 100, upMbps: 10 },
    ];
    const before = { ...sampleOf(2, [{}, null]), links: [{ upBytes: 0, downBytes: 0 }, null] };
    const now = {
      ...sampleOf(4, [
        { firstFetcher: true, httpBytes: 300_000, uploadedBytes: 250_000, peers: 1 },
        { p2pBytes: 120_000, peers: 1 },
      ]),
      links: [{ upBytes: 250_000, downBytes: 500_000 }, null],
    };
    expect(viewersLine({ harness: 'swarm', links }, before, now)).toBe(
      'swarm:   v1* dsl ↓2.00 ↑1.00 Mbit/s http 300k p2p 0k up 250k peers 1 | v2 http 0k p2p 120k up 0k peers 1',
    );
    expect(viewersLine({ harness: 'swarm' }, undefined, sampleOf(2, [null]))).toBe('swarm:   v1 —');
  });
});

describe("a viewer's first navigation", () => {
  it('is tried again only when the network changed under it', () => {
    expect(
      navigationRetryable(new Error('page.goto: net::ERR_NETWORK_CHANGED at http://edge.localhost:39651/watch/s')),
    ).toBe(true);
    expect(navigationRetryable('net::ERR_NETWORK_CHANGED')).toBe(true);
    expect(navigationRetryable(new Error('page.goto: net::ERR_CONNECTION_REFUSED at http://edge.localhost:1/'))).toBe(
      false,
    );
    expect(navigationRetryable(new Error('page.goto: Timeout 60000ms exceeded.'))).toBe(false);
    expect(navigationRetryable(undefined)).toBe(false);
  });
});
