import { parseBeacon, zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { buildBeacon, EngineLoads, offloadPercent } from './stats';

describe('beacons', () => {
  const context = { stream: 'demo', viewer: 'viewer-12345678', mode: 'hybrid' as const };

  it('sends deltas since the previous beacon, in the shared schema', () => {
    const previous = { ...zeroCounters(), httpBytes: 1000, p2pBytes: 500, stalls: 1, stallMs: 300 };
    const now = { ...previous, httpBytes: 1500, p2pBytes: 4500, p2pSegments: 2, stalls: 2, stallMs: 900 };
    const beacon = buildBeacon(context, 4, 5000.4, now, previous, {
      peers: 3,
      bufferSeconds: 4.567,
      latencySeconds: 6.123,
      startupMs: 812.3,
      region: 'eu',
    });
    expect(beacon).toEqual({
      v: 1,
      ...context,
      seq: 4,
      intervalMs: 5000,
      httpBytes: 500,
      p2pBytes: 4000,
      uploadedBytes: 0,
      httpSegments: 0,
      p2pSegments: 2,
      integrityFailures: 0,
      rejectedP2pBytes: 0,
      stalls: 1,
      stallMs: 600,
      peers: 3,
      bufferSeconds: 4.57,
      latencySeconds: 6.12,
      startupMs: 812,
      region: 'eu',
    });
    expect(parseBeacon(JSON.parse(JSON.stringify(beacon)))).toEqual({ ok: true, value: beacon });
  });

  it('never reports negative deltas or more stall time than the interval', () => {
    const beacon = buildBeacon(
      context,
      0,
      1000,
      { ...zeroCounters(), stallMs: 5000 },
      { ...zeroCounters(), httpBytes: 10 },
      { peers: 0, bufferSeconds: -1 },
      true,
    );
    expect(beacon).toMatchObject({ httpBytes: 0, stallMs: 1000, bufferSeconds: 0, final: true });
    expect(parseBeacon(beacon).ok).toBe(true);
  });

  it('computes offload as P2P bytes over all received bytes', () => {
    expect(offloadPercent({ httpBytes: 0, p2pBytes: 0 })).toBe(0);
    expect(offloadPercent({ httpBytes: 250, p2pBytes: 750 })).toBe(75);
  });
});

describe('engine loads', () => {
  it('tells segments p2p-media-loader fetched from those hls.js fetched itself', () => {
    const loads = new EngineLoads(3);
    loads.loaded('https://e/v0/s1-1.m4s');
    loads.loaded('https://e/v0/s1-2.m4s');
    expect(loads.served('https://e/v0/s1-1.m4s')).toBe(true);
    // Fetched by hls.js itself: before P2P started, or unknown to the engine yet.
    expect(loads.served('https://e/v0/s1-0.m4s')).toBe(false);
  });

  it('keeps only the newest URLs, refreshing one loaded again', () => {
    const loads = new EngineLoads(3);
    for (const n of [1, 2, 3]) loads.loaded(`s${n}`);
    loads.loaded('s1');
    loads.loaded('s4');
    expect(['s1', 's2', 's3', 's4'].map((u) => loads.served(u))).toEqual([true, false, true, true]);
  });
});
