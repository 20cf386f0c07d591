import { describe, expect, it } from 'vitest';
import { hlsLatencyConfig, parseLatencySetting } from './latency-setting';

describe('parseLatencySetting', () => {
  it.each([
    [null, { kind: 'default' }],
    ['', { kind: 'default' }],
    ['low', { kind: 'low' }],
    [' LOW ', { kind: 'low' }],
    ['6', { kind: 'target', targetDurations: 6 }],
    ['soon', { kind: 'target', targetDurations: Number.NaN }],
  ])('%j', (value, expected) => {
    expect(parseLatencySetting(value)).toEqual(expected);
  });
});

describe('hlsLatencyConfig', () => {
  const policy = {
    liveSyncDuration: 7,
    liveMaxLatencyDuration: 12,
    maxBufferLength: 30,
    backBufferLength: 30,
    maxLiveSyncPlaybackRate: 1.1,
    errorPenaltyExpireMs: 10_000,
  };
  it('leaves hls.js at PART-HOLD-BACK in low mode, with none of the hybrid live sync, only its buffer lengths and error penalty', () => {
    expect(hlsLatencyConfig(true, policy)).toEqual({
      lowLatencyMode: true,
      maxBufferLength: 30,
      backBufferLength: 30,
      errorPenaltyExpireMs: 10_000,
    });
    expect(hlsLatencyConfig(true, undefined)).toEqual({ lowLatencyMode: true });
  });
  it('keeps the policy live sync otherwise, on whole segments: its playlist loader hides parts', () => {
    const { pLoader, ...config } = hlsLatencyConfig(false, policy);
    expect(config).toEqual({ lowLatencyMode: true, ...policy });
    expect(pLoader?.name).toBe('WholeSegmentsPlaylistLoader');
    // One loader class for every player on the page.
    expect(hlsLatencyConfig(false, undefined).pLoader).toBe(pLoader);
  });
  it('leaves the parts to hls.js in low mode', () => {
    expect(hlsLatencyConfig(true, policy).pLoader).toBeUndefined();
  });
});
