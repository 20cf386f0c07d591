import { describe, expect, it } from 'vitest';
import { progressLine, watchUrl } from './cohort';
import { sampleOf } from './test-fixtures';

describe('cohort', () => {
  it('opens the watch page with no STUN, one region, and P2P off for the CDN-only cohort', () => {
    expect(watchUrl({ pageBase: 'http://127.0.0.1:9', stream: 's1', p2p: false })).toBe(
      'http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none&p2p=off',
    );
    expect(watchUrl({ pageBase: 'http://127.0.0.1:9', stream: 's1', p2p: true })).toBe(
      'http://127.0.0.1:9/watch/s1?region=eu&ice-servers=none',
    );
  });

  it('prints a progress line from the last two samples', () => {
    const line = progressLine(
      { name: 'hybrid', viewers: 3, seconds: 120 },
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
});
