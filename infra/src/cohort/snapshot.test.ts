import { zeroCounters } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { type PlayerReading, toRecord, toSample } from './snapshot';

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
  });
});
