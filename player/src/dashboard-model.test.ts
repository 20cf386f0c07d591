import { zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import {
  beaconRows,
  chartColumns,
  edgeCheck,
  formatBitrate,
  formatBytes,
  formatPercent,
  formatSeconds,
  hasPoints,
  headlines,
  offloadAlarm,
  type StatsSnapshot,
  splitUnit,
  streamState,
} from './dashboard-model';

const flow = { viewerMs: 0, ...zeroCounters() };

function snapshot(overrides: Partial<StatsSnapshot> = {}): StatsSnapshot {
  return {
    stream: 'demo',
    now: 1_000_000,
    bucketMs: 10_000,
    retentionMs: 3_600_000,
    startedAt: 900_000,
    current: {
      activeWindowMs: 30_000,
      viewers: 3,
      byMode: { hybrid: 2, cdn: 1, p2pml: 0 },
      peerConnections: 4,
      viewersWithPeers: 2,
      regions: [
        { region: 'eu', viewers: 2 },
        { region: 'us', viewers: 1 },
      ],
      latencyP50Seconds: 6.25,
    },
    totals: {
      ...flow,
      viewerMs: 90_000,
      httpBytes: 1_200_000,
      p2pBytes: 600_000,
      stalls: 1,
      stallMs: 1500,
      offloadPercent: 33.33,
      stallSecondsPerViewerMinute: 1,
      startups: 3,
      startupP50Ms: 800,
      startupP95Ms: 1200,
      latencyP50Seconds: 6,
      beacons: 12,
      lostBeacons: 1,
      viewersSeen: 4,
      byMode: { hybrid: flow, cdn: flow, p2pml: flow },
    },
    edge: {
      servedBytes: 1_300_000,
      servedRequests: 5,
      reportedHttpBytes: 1_200_000,
      differenceBytes: 100_000,
      differencePercent: 7.69,
      agrees: false,
      tolerancePercent: 5,
    },
    rejections: { total: 3, byReason: { rate_limited: 2, negative: 1 }, detail: {}, clamped: { interval: 1 } },
    series: {
      time: [990, 1000],
      httpBytesPerSecond: [50_000, 70_000],
      p2pBytesPerSecond: [0, 60_000],
      servedBytesPerSecond: [65_000, 65_000],
      offloadPercent: [0, 46.15],
      viewers: [0.5, 1],
      peers: [null, 1.5],
      regions: [null, 2],
      stallSecondsPerViewerMinute: [0, 9],
      startupP50Ms: [null, 800],
      latencyP50Seconds: [null, 4],
      rejected: [0, 0],
    },
    ...overrides,
  };
}

describe('formatting', () => {
  it('formats bytes, bitrates, percentages and durations for people', () => {
    expect([0, 999, 1234, 45_600_000, 2e9].map(formatBytes)).toEqual(['0 B', '999 B', '1.23 kB', '45.6 MB', '2.00 GB']);
    expect([800, 500_000, 10_000_000].map(formatBitrate)).toEqual(['800 bit/s', '500 kbit/s', '10.0 Mbit/s']);
    expect(['6.25 s', '33.3%', '900 / 950 ms', '0.00 s/min', '12', '—'].map(splitUnit)).toEqual([
      ['6.25', 's'],
      ['33.3', '%'],
      ['900 / 950', 'ms'],
      ['0.00', 's/min'],
      ['12', ''],
      ['—', ''],
    ]);
    expect([null, 0, 33.333].map(formatPercent)).toEqual(['—', '0.0%', '33.3%']);
    expect([null, 0.8, 6.25, 42, 125, 7300].map(formatSeconds)).toEqual([
      '—',
      '800 ms',
      '6.25 s',
      '42.0 s',
      '2 min 5 s',
      '2 h 1 min',
    ]);
  });
});

describe('chartColumns', () => {
  it('lays the series out as uPlot columns, throughput in bits per second, start-up in seconds', () => {
    const columns = chartColumns(snapshot());
    expect(columns.throughput).toEqual([
      [990, 1000],
      [400_000, 560_000],
      [0, 480_000],
      [520_000, 520_000],
    ]);
    expect(columns.timing).toEqual([
      [990, 1000],
      [null, 0.8],
      [null, 4],
    ]);
    expect(hasPoints(columns.audience)).toBe(true);
    expect(hasPoints([[1], [null]])).toBe(false);
  });
});

describe('headlines', () => {
  it('turns the totals and the current audience into card figures', () => {
    expect(headlines(snapshot())).toEqual({
      offload: { value: '33.3%', detail: '600 kB P2P of 1.80 MB' },
      viewers: { value: '3', detail: 'hybrid 2 · CDN 1 · 4 seen' },
      peers: { value: '4', detail: '2 of 3 viewers connected' },
      regions: { value: '2', detail: 'eu 2 · us 1' },
      startup: { value: '800 ms', detail: 'p95 1.20 s · 3 start-ups' },
      latency: { value: '6.25 s', detail: 'now · 6.00 s since the start' },
      stalls: { value: '1.00 s/min', detail: '1 stall in 1 min 30 s watched' },
    });
  });
});

describe('offloadAlarm', () => {
  it('warns when the edge served more than viewers reported: their offload is overstated', () => {
    // The fixture: edge 1.3 MB, viewers 1.2 MB over HTTP (+7.69%, tolerance 5%), reported offload 33.33%.
    const alarm = offloadAlarm(snapshot());
    expect(alarm).toMatch(/^Reported offload 33\.3% is contradicted by the edge: it served 100 kB, 7\.7% more/);
    expect(alarm).toContain('less was really offloaded than reported');
    expect(alarm).not.toContain('refused');
  });

  it('names the bytes refused by the integrity check beside the warning', () => {
    const base = snapshot();
    const alarm = offloadAlarm({ ...base, totals: { ...base.totals, rejectedP2pBytes: 2_500_000 } });
    expect(alarm).toContain('refused 2.50 MB from peers that failed the integrity check');
  });

  it('warns the other way too, and stays quiet when the counts agree or there are none', () => {
    const base = snapshot();
    expect(
      offloadAlarm({ ...base, edge: { ...base.edge, differenceBytes: -200_000, differencePercent: -16.7 } }),
    ).toMatch(/^Viewers reported 200 kB, 16\.7% more HTTP bytes than the edge served/);
    expect(offloadAlarm({ ...base, edge: { ...base.edge, agrees: true, differencePercent: 1 } })).toBeNull();
    expect(offloadAlarm({ ...base, edge: { ...base.edge, agrees: true, differencePercent: null } })).toBeNull();
  });
});

describe('edgeCheck', () => {
  it('highlights a disagreement beyond the tolerance, with its direction', () => {
    expect(edgeCheck(snapshot())).toEqual({
      level: 'mismatch',
      served: '1.30 MB',
      reported: '1.20 MB',
      difference: '+100 kB (+7.7%)',
      verdict: 'the edge served more than viewers reported',
    });
  });

  it('is calm within the tolerance and says nothing before any bytes', () => {
    const close = snapshot({
      edge: { ...snapshot().edge, differenceBytes: -20_000, differencePercent: -1.64, agrees: true },
    });
    expect(edgeCheck(close)).toMatchObject({ level: 'ok', difference: '−20.0 kB (−1.6%)', verdict: 'within 5%' });
    const empty = snapshot({ edge: { ...snapshot().edge, differencePercent: null, agrees: true } });
    expect(edgeCheck(empty).level).toBe('none');
  });
});

describe('beaconRows and streamState', () => {
  it('lists accepted, lost, refused by reason and clamped beacons', () => {
    expect(beaconRows(snapshot())).toEqual([
      ['accepted', '12'],
      ['lost on the way (gaps in seq)', '1'],
      ['refused', '3'],
      ['  too frequent (429)', '2'],
      ['  negative value (400)', '1'],
      ['clamped', 'interval 1'],
    ]);
  });

  it('names the stream state from the coordinator, or from the stats for VOD', () => {
    expect(streamState({ state: 'live' }, null)).toEqual({ label: 'live', tone: 'live' });
    expect(streamState({ state: 'ended' }, null)).toEqual({ label: 'ended', tone: 'ended' });
    expect(streamState(undefined, snapshot())).toEqual({ label: 'on demand', tone: 'idle' });
    expect(streamState(undefined, snapshot({ startedAt: null }))).toEqual({ label: 'no data yet', tone: 'idle' });
  });
});
