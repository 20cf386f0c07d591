import { describe, expect, it } from 'vitest';
import { newPlaybackStats, onPlaybackEvent, type PlaybackEvent } from './playback-stats';

function replay(events: [PlaybackEvent, number][]) {
  return events.reduce((stats, [event, now]) => onPlaybackEvent(stats, event, now), newPlaybackStats(0));
}

describe('playback stats', () => {
  it('does not count initial buffering as a stall', () => {
    const stats = replay([
      ['waiting', 10],
      ['playing', 500],
    ]);
    expect(stats).toMatchObject({ startedAt: 500, stalls: 0, stalledMs: 0 });
  });

  it('counts a waiting after start as one stall and measures it', () => {
    const stats = replay([
      ['playing', 100],
      ['waiting', 1000],
      ['waiting', 1100],
      ['playing', 1600],
      ['waiting', 2000],
      ['playing', 2100],
    ]);
    expect(stats).toMatchObject({ startedAt: 100, stalls: 2, stalledMs: 700, stallingSince: null });
  });

  it('ignores waiting caused by a seek and the wait at the end', () => {
    const stats = replay([
      ['playing', 100],
      ['seeking', 200],
      ['playing', 300],
      ['ended', 900],
      ['waiting', 950],
    ]);
    expect(stats).toMatchObject({ stalls: 0, ended: true });
  });
});
