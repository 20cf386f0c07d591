import { describe, expect, it } from 'vitest';
import { partsFixture } from '../../edge/src/live/live-parts-fixture';
import { renderLivePlaylist } from '../../edge/src/live/live-state';
import {
  type PartsCounters,
  type PartsMode,
  partKey,
  partsFigures,
  partsRatios,
  partsReportLines,
  partsVerdict,
  ratio,
  readLlPlaylist,
} from './live-parts';

/** The coordinator's own playlist (edge/src/live/live-state.ts): `segments` whole segments of 4 parts, then `open` parts. */
function edgePlaylist(segments: number, open: number): string {
  const { state, log } = partsFixture(segments, open);
  return renderLivePlaylist(state, 'v0', log) ?? '';
}

const zero: PartsCounters = {
  coordinatorCalls: 0,
  r2Gets: 0,
  cacheHits: 0,
  playlistRequests: 0,
  partRequests: 0,
  renders: 0,
  wakeups: 0,
  storageReads: 0,
};

function mode(
  over: Omit<Partial<PartsMode>, 'before' | 'after'> & {
    before?: Partial<PartsCounters>;
    after: Partial<PartsCounters>;
  },
): PartsMode {
  return {
    mode: 'blocking',
    parts: 10,
    pollers: 1000,
    httpRequests: 20_000,
    failures: 0,
    missed: 0,
    lagsMs: [],
    ...over,
    before: { ...zero, ...over.before },
    after: { ...zero, ...over.after },
  };
}

describe('readLlPlaylist', () => {
  it("reads the coordinator's parts in order and the part its preload hint names", () => {
    const view = readLlPlaylist(edgePlaylist(3, 2), 'v0');
    expect(view.hint).toEqual({ msn: 3, part: 2, uri: 's0-3.p2.m4s' });
    expect(view.parts.at(-1)).toEqual({ msn: 3, part: 1, uri: 's0-3.p1.m4s' });
    const keys = view.parts.map(partKey);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(view.parts.length).toBeGreaterThan(2);
  });

  it("names the next segment's first part once the open segment is whole", () => {
    expect(readLlPlaylist(edgePlaylist(2, 4), 'v0').hint).toEqual({ msn: 3, part: 0, uri: 's0-3.p0.m4s' });
    expect(readLlPlaylist(edgePlaylist(2, 0), 'v0').hint).toEqual({ msn: 2, part: 0, uri: 's0-2.p0.m4s' });
  });

  it('finds nothing in a playlist without parts, and skips URIs that are not part names', () => {
    expect(readLlPlaylist('#EXTM3U\n#EXTINF:2,\ns0-1.m4s\n', 'v0')).toEqual({ parts: [] });
    const odd = '#EXT-X-PART:DURATION=0.5,URI="../x.m4s"\n#EXT-X-PRELOAD-HINT:TYPE=MAP,URI="s0-1.p0.m4s"\n';
    expect(readLlPlaylist(odd, 'v0')).toEqual({ parts: [] });
  });
});

describe('partsFigures', () => {
  it('divides what the counters moved by the parts measured, playlist and part calls apart', () => {
    const figures = partsFigures(
      mode({
        before: { coordinatorCalls: 7, playlistRequests: 4, partRequests: 3, storageReads: 1 },
        after: {
          coordinatorCalls: 27,
          playlistRequests: 14,
          partRequests: 13,
          storageReads: 1,
          r2Gets: 0,
          wakeups: 10,
          renders: 10,
          cacheHits: 19_980,
        },
        lagsMs: [30, 10, 20, 40],
      }),
    );
    expect(figures.perPart).toEqual({
      httpRequests: 2000,
      coordinatorCalls: 2,
      playlistCalls: 1,
      partCalls: 1,
      cacheHits: 1998,
      wakeups: 1,
      renders: 1,
      storageReads: 0,
    });
    expect(figures.oneIsolate).toBe(true);
    expect(figures.lagMs).toEqual({ p50: 30, p99: 40, max: 40 });
  });

  it('says so when the coordinator received calls the isolate did not count', () => {
    const figures = partsFigures(mode({ after: { coordinatorCalls: 20, playlistRequests: 12, partRequests: 10 } }));
    expect(figures.oneIsolate).toBe(false);
  });

  it('counts storage as SQLite reads plus R2 reads, and has no lag without samples', () => {
    const figures = partsFigures(mode({ after: { storageReads: 5, r2Gets: 5 } }));
    expect(figures.perPart.storageReads).toBe(1);
    expect(figures.lagMs).toEqual({ p50: 0, p99: 0, max: 0 });
  });
});

describe('the verdict and the ratios', () => {
  const blocking = partsFigures(
    mode({ after: { coordinatorCalls: 20, playlistRequests: 10, partRequests: 10 }, lagsMs: [50] }),
  );
  const naive = partsFigures(
    mode({
      mode: 'naive',
      httpRequests: 30_000,
      after: { coordinatorCalls: 25, playlistRequests: 15, partRequests: 10 },
      lagsMs: [200],
    }),
  );

  it('judges the issue row per URL and per isolate', () => {
    expect(partsVerdict(blocking)).toEqual({
      playlistCallsAtMostOne: true,
      partCallsAtMostOne: true,
      storageReadsAtMostOne: true,
      perIsolate: true,
    });
    expect(partsVerdict(naive).playlistCallsAtMostOne).toBe(false);
  });

  it('gives blocking ÷ naive, and no ratio against a baseline of 0', () => {
    expect(partsRatios(blocking, naive)).toEqual({
      httpRequests: 20_000 / 30_000,
      coordinatorCalls: 0.8,
      storageReads: null,
      lagP50: 0.25,
    });
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(3, 2)).toBe(1.5);
  });

  it('prints both rows, the ratios and the verdict', () => {
    const lines = partsReportLines(
      { pollers: 1000, partSeconds: 0.5, targetDuration: 2, segments: 6 },
      blocking,
      naive,
    );
    expect(lines[0]).toBe('1000 pollers per mode, 10 parts of 0.5 s (6 segments of 2 s); figures per part');
    expect(lines[3]).toMatch(/^blocking +2000 +1\.00 +1\.00 +2\.00 /);
    expect(lines[4]).toMatch(/^naive +3000 +1\.50 +1\.00 +2\.50 /);
    expect(lines[5]).toBe(
      'ratio blocking/naive: requests 0.67x, coordinator calls 0.80x, storage reads n/a (baseline 0), lag p50 0.25x',
    );
    expect(lines[6]).toMatch(/^per isolate: every coordinator call was counted by the one Worker isolate/);
    expect(lines[7]).toMatch(/playlist yes, part bytes yes, storage reads yes$/);
  });
});
