/** The engine benchmark's harness does the work it claims (no timings asserted: those are for BENCHMARKS.md). */
import { describe, expect, it } from 'vitest';
import { benchBittorrentTracker, benchOurEngine } from './tracker-engine-bench';

const tiny = { peers: 40, swarmSize: 20, offersPerAnnounce: 5, sdpBytes: 100, seconds: 0.05 };

describe('tracker engine benchmark', () => {
  it('drives our engine: each announce answered and its five offers relayed, as JSON', () => {
    const r = benchOurEngine(tiny);
    expect(r.announces).toBeGreaterThan(0);
    expect(r.announces % tiny.peers).toBe(0);
    expect(r.framesOutPerAnnounce).toBe(6);
    expect(r.announcesPerCoreSecond).toBeGreaterThan(0);
  });

  it('drives bittorrent-tracker’s Server the same way, through its own WebSocket handler', async () => {
    const r = await benchBittorrentTracker(tiny);
    expect(r.announces).toBeGreaterThan(0);
    // A reply each, and up to five offers (its random peer walk can stop early).
    expect(r.framesOutPerAnnounce).toBeGreaterThan(1);
    expect(r.framesOutPerAnnounce).toBeLessThanOrEqual(6);
  });
});
