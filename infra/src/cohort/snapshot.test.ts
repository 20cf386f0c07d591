import { zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it, vi } from 'vitest';
import { type PlayerReading, readPlayerInPage, toRecord, toSample } from './snapshot';

const reading = (overrides: Partial<PlayerReading> = {}): PlayerReading => ({
  mode: 'hybrid',
  counters: { ...zeroCounters(), httpBytes: 1000, p2pBytes: 3000, uploadedBytes: 500, p2pSegments: 2 },
  stalls: 1,
  stalledMs: 250,
  started: true,
  stalling: false,
  startupMs: 420,
  latencySeconds: 6.5,
  latency: [6, 7, 5, 8],
  errors: [],
  peers: ['a', 'b'],
  self: 'me',
  firstFetcher: true,
  bandwidth: { declined: true, slow: ['x'], uplinkBps: 125_000, backlogged: false },
  blocked: 0,
  bitrate: 300_000,
  droppedFrames: 1,
  totalFrames: 100,
  ...overrides,
});

describe('player readings', () => {
  it('make a sample of a viewer’s counters and state', () => {
    expect(toSample(reading())).toEqual({
      httpBytes: 1000,
      p2pBytes: 3000,
      uploadedBytes: 500,
      latencySeconds: 6.5,
      stalls: 1,
      stalledMs: 250,
      peers: 2,
      started: true,
      stalling: false,
      bitrate: 300_000,
      firstFetcher: true,
      bandwidth: { declined: true, slow: ['x'], uplinkBps: 125_000, backlogged: false },
    });
    // A player from before the bandwidth snapshot samples as null.
    expect(toSample(reading({ bandwidth: undefined })).bandwidth).toBeNull();
    // hls.js's rendition choice goes into the sample as read; a page without hls.js has none.
    const abr = { loadLevel: 1, estimateBps: 320_000, penalized: [2] };
    expect(toSample(reading({ abr })).abr).toEqual(abr);
    expect(toSample(reading())).not.toHaveProperty('abr');
  });

  it('make a viewer’s record, with latency figures from its once-a-second samples', () => {
    const context = {
      viewer: 2,
      left: false,
      joinedAtSeconds: 6,
      watchedSeconds: 54,
      firstFetcherSeconds: 12,
      link: { profile: 'dsl', downMbps: 16, upMbps: 1 },
      linkUse: null,
    };
    const record = toRecord(reading(), context);
    expect(record).toMatchObject({
      viewer: 2,
      mode: 'hybrid',
      httpBytes: 1000,
      p2pSegments: 2,
      latencyP50: 6,
      latencyMax: 8,
      peersAtEnd: ['a', 'b'],
      firstFetcherAtEnd: true,
      firstFetcherSeconds: 12,
      link: { profile: 'dsl' },
      errors: [],
    });
    // A page that never answered is a record with nothing received and the reason.
    expect(toRecord('no player', context)).toMatchObject({ mode: 'unknown', httpBytes: 0, errors: ['no player'] });
    // The player's timeline goes into the record as it is; an older player's reading has none, nor has its record.
    const timeline = { p2pRequestedMs: 9100, p2pStartedMs: 9400, firstPeerMs: 9900, stallsAtMs: [8600], seeksAtMs: [] };
    expect(toRecord(reading({ timeline }), context).timeline).toEqual(timeline);
    expect(toRecord(reading(), context)).not.toHaveProperty('timeline');
    // hls.js's rendition events go into the record as read (a full reading has them); none read, none recorded.
    const abrEvents = [
      { atMs: 2100, kind: 'switch' as const, level: 1, estimateBps: 310_000 },
      { atMs: 2600, kind: 'frag' as const, level: 1, estimateBps: 310_000, bytes: 53_000, loadMs: 140 },
    ];
    expect(toRecord(reading({ abrEvents }), context).abrEvents).toEqual(abrEvents);
    expect(toRecord(reading(), context)).not.toHaveProperty('abrEvents');
  });
});

describe('reading a page', () => {
  /** A stand-in hls.js: the fields and events readPlayerInPage reads. */
  function fakeHls() {
    const listeners = new Map<string, ((event: string, data: unknown) => void)[]>();
    return {
      loadLevel: 2,
      currentLevel: 2,
      bandwidthEstimate: 812_345.6,
      levels: [
        { bitrate: 150_000, fragmentError: 0, loadError: 0 },
        { bitrate: 227_700, fragmentError: 0, loadError: 0 },
        { bitrate: 295_900, fragmentError: 0, loadError: 0 },
      ],
      on(name: string, listener: (event: string, data: unknown) => void) {
        listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      },
      emit(name: string, data: unknown) {
        for (const listener of listeners.get(name) ?? []) listener(name, data);
      },
    };
  }

  it('reads hls.js’s rendition choice at every look, and what it did about renditions from the first look on', () => {
    const hls = fakeHls();
    const requestedAt = performance.now() - 5000;
    const snapshot = {
      mode: 'hybrid',
      counters: zeroCounters(),
      playback: {
        requestedAt,
        startedAt: requestedAt + 400,
        stalls: 0,
        stalledMs: 0,
        stallingSince: null,
        errors: [],
        latency: [],
      },
      peers: [],
      selfPeerId: 'me',
      firstFetcher: true,
      blockedPeersClosed: 0,
      warnings: [],
    };
    const page = { edgeswarm: { player: { hls, snapshot: () => snapshot } }, isSecureContext: true };
    vi.stubGlobal('window', page);
    vi.stubGlobal('document', { querySelector: () => null });
    try {
      expect(readPlayerInPage(false)?.abr).toEqual({ loadLevel: 2, estimateBps: 812_346, penalized: [] });
      // Listening from the first look on: a failed load of rendition 2, a switch down, a fragment of rendition 1.
      hls.emit('hlsError', { fatal: false, details: 'fragLoadError', frag: { level: 2 }, response: { code: 0 } });
      hls.levels[2] = { ...hls.levels[2], fragmentError: 1 } as (typeof hls.levels)[number];
      hls.bandwidthEstimate = 330_000;
      hls.loadLevel = 1;
      hls.emit('hlsLevelSwitching', { level: 1 });
      hls.emit('hlsError', { fatal: true, details: 'manifestLoadError' }); // fatal: the player's own errors list has it
      hls.emit('hlsFragLoaded', { frag: { type: 'main', sn: 'initSegment', level: 1 } });
      hls.emit('hlsFragLoaded', {
        frag: { type: 'main', sn: 7, level: 1, stats: { loaded: 53_000, loading: { start: 100, end: 240.4 } } },
      });
      const full = readPlayerInPage(true);
      expect(full?.abr).toEqual({ loadLevel: 1, estimateBps: 330_000, penalized: [2] });
      expect(full?.abrEvents?.map(({ atMs, ...rest }) => rest)).toEqual([
        { kind: 'error', level: 2, detail: 'fragLoadError', status: 0, estimateBps: 812_346 },
        { kind: 'switch', level: 1, estimateBps: 330_000 },
        { kind: 'frag', level: 1, estimateBps: 330_000, bytes: 53_000, loadMs: 140 },
      ]);
      // Times are since the player asked to play, as the player's timeline gives them.
      for (const event of full?.abrEvents ?? []) expect(event.atMs).toBeGreaterThanOrEqual(5000);
      // A look without the full reading leaves the events out (they grow with the watch).
      expect(readPlayerInPage(false)).not.toHaveProperty('abrEvents');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
