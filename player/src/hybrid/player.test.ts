/**
 * The player in Node, without a browser: enough of a page to construct it and run its ticks. It catches what
 * only end-to-end runs caught before, such as a binding read before it is declared during construction.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HybridPlayerOptions } from './player';

function fakeVideo() {
  const listeners = new Map<string, Set<() => void>>();
  return {
    src: '',
    paused: true,
    currentTime: 0,
    buffered: { length: 0, start: () => 0, end: () => 0 },
    canPlayType: (type: string) => (type === 'application/vnd.apple.mpegurl' ? 'maybe' : ''),
    play: () => Promise.resolve(),
    addEventListener: (event: string, fn: () => void) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(fn);
    },
    removeEventListener: (event: string, fn: () => void) => listeners.get(event)?.delete(fn),
    quality: { droppedVideoFrames: 0, totalVideoFrames: 0 },
    getVideoPlaybackQuality() {
      return { ...this.quality };
    },
    listeners,
  };
}

// Enough of a browser for hls.js, taken away again after this file: unit test files share a worker
// (vitest.config.ts, isolate: false), and player.ts reads these globals.
const installed: string[] = [];
beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  const browser = { window: globalThis, self: globalThis, location: { href: 'http://127.0.0.1:8787/watch/demo' } };
  for (const [name, value] of Object.entries(browser)) {
    if (g[name] !== undefined) continue;
    g[name] = value;
    installed.push(name);
  }
});
afterAll(() => {
  for (const name of installed.splice(0)) delete (globalThis as Record<string, unknown>)[name];
});

afterEach(() => vi.useRealTimers());

/** The player on a fake video element, beacons off. */
async function newPlayer(extra: Partial<HybridPlayerOptions> = {}) {
  const { createHybridPlayer } = await import('./player');
  const video = fakeVideo();
  const player = createHybridPlayer(video as unknown as HTMLVideoElement, {
    src: 'http://127.0.0.1:8787/v1/streams/demo/master.m3u8',
    stream: 'demo',
    beacon: false,
    ...extra,
  });
  return { video, player };
}

describe('createHybridPlayer in Node', () => {
  it('constructs, ticks once a second, and stops cleanly', async () => {
    vi.useFakeTimers();
    const { video, player } = await newPlayer();
    // Without MSE it plays native HLS: the source goes to the video element itself, in CDN mode.
    expect(video.src).toBe('http://127.0.0.1:8787/v1/streams/demo/master.m3u8');
    const first = player.snapshot();
    expect(first.mode).toBe('cdn');
    expect(first.firstFetcher).toBe(true);
    expect(first.bandwidth).toEqual({
      declined: false,
      slow: [],
      uplinkBps: 0,
      backlogged: false,
      strained: false,
      strainSign: null,
      // Node has no Long Tasks API: not measured.
      longTaskPercent: null,
      refusedUploads: 0,
      abandonedTransfers: 0,
      abandonedBytes: 0,
    });
    const stats: unknown[] = [];
    player.on('stats', (s) => stats.push(s));
    vi.advanceTimersByTime(3000);
    expect(stats).toHaveLength(3);
    player.destroy();
    vi.advanceTimersByTime(3000);
    expect(stats).toHaveLength(3);
    expect([...video.listeners.values()].every((set) => set.size === 0)).toBe(true);
  });

  it('constructs and ticks in low-latency mode too (its tick reads how far behind live hls.js plays)', async () => {
    vi.useFakeTimers();
    const { player } = await newPlayer({ latency: 'low' });
    const stats: unknown[] = [];
    player.on('stats', (s) => stats.push(s));
    vi.advanceTimersByTime(2000);
    expect(stats).toHaveLength(2);
    player.destroy();
  });

  it('tells the tick how the device keeps up: a video dropping frames three seconds in a row marks it strained', async () => {
    vi.useFakeTimers();
    const { video, player } = await newPlayer();
    video.quality = { droppedVideoFrames: 0, totalVideoFrames: 30 };
    vi.advanceTimersByTime(1000);
    expect(player.snapshot().bandwidth).toMatchObject({ strained: false, strainSign: null });
    // Each of the next three seconds: 15 of 30 frames dropped (strainStreakTicks in a row).
    for (let second = 1; second <= 3; second++) {
      expect(player.snapshot().bandwidth).toMatchObject({ strained: false });
      video.quality = { droppedVideoFrames: 15 * second, totalVideoFrames: 30 + 30 * second };
      vi.advanceTimersByTime(1000);
    }
    expect(player.snapshot().bandwidth).toMatchObject({ strained: true, strainSign: 'dropped-frames' });
    player.destroy();
  });

  it("measures the share of each tick the page's main thread spent in long tasks, where the browser reports them", async () => {
    vi.useFakeTimers();
    let report: ((list: { getEntries(): { duration: number }[] }) => void) | undefined;
    const observed: unknown[] = [];
    class FakeObserver {
      static supportedEntryTypes = ['longtask'];
      constructor(callback: typeof report) {
        report = callback;
      }
      observe(options: unknown) {
        observed.push(options);
      }
      disconnect() {
        report = undefined;
      }
    }
    vi.stubGlobal('PerformanceObserver', FakeObserver);
    try {
      const { player } = await newPlayer();
      expect(observed).toEqual([{ type: 'longtask' }]);
      vi.advanceTimersByTime(1000);
      expect(player.snapshot().bandwidth.longTaskPercent).toBe(0);
      report?.({ getEntries: () => [{ duration: 120 }, { duration: 180 }] });
      vi.advanceTimersByTime(1000);
      // 300 ms of long tasks in the second since the last tick; measured, not used (the sign is off by default).
      expect(player.snapshot().bandwidth.longTaskPercent).toBeCloseTo(30, 6);
      expect(player.snapshot().bandwidth.strained).toBe(false);
      vi.advanceTimersByTime(1000);
      expect(player.snapshot().bandwidth.longTaskPercent).toBe(0);
      player.destroy();
      expect(report).toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('relay-only WebRTC without a TURN server says so: no peer could be reached', async () => {
    const { createHybridPlayer } = await import('./player');
    const base = { src: 'http://127.0.0.1:8787/v1/streams/demo/master.m3u8', stream: 'demo', beacon: false } as const;
    const bare = createHybridPlayer(fakeVideo() as unknown as HTMLVideoElement, {
      ...base,
      iceTransportPolicy: 'relay',
    });
    expect(bare.snapshot().warnings.join(' ')).toMatch(/relay.*without a TURN server/);
    bare.destroy();
    const relayed = createHybridPlayer(fakeVideo() as unknown as HTMLVideoElement, {
      ...base,
      iceTransportPolicy: 'relay',
      rtcConfig: { iceServers: [{ urls: ['turns:turn.example:5349'], username: 'u', credential: 'c' }] },
    });
    expect(relayed.snapshot().warnings.join(' ')).not.toMatch(/TURN/);
    relayed.destroy();
  });

  it('p2p-upload="consent": no upload until allowUpload(), and none on cellular whatever was allowed', async () => {
    vi.useFakeTimers();
    const { createHybridPlayer } = await import('./player');
    const player = createHybridPlayer(fakeVideo() as unknown as HTMLVideoElement, {
      src: 'http://127.0.0.1:8787/v1/streams/demo/master.m3u8',
      stream: 'demo',
      beacon: false,
      upload: 'consent',
    });
    expect(player.snapshot().upload).toEqual({ setting: 'consent', allowed: false, reason: 'no-consent' });
    player.allowUpload();
    expect(player.snapshot().upload).toEqual({ setting: 'consent', allowed: true, reason: null });
    // The link turns cellular: the next tick closes upload again.
    vi.stubGlobal('navigator', { connection: { type: 'cellular' } });
    try {
      vi.advanceTimersByTime(1000);
      expect(player.snapshot().upload).toEqual({ setting: 'consent', allowed: false, reason: 'cellular' });
    } finally {
      vi.unstubAllGlobals();
      player.destroy();
    }
  });
});

describe('rememberCopy', () => {
  it('keeps each segment’s count, newest last, and forgets the oldest past 64 segments', async () => {
    const { rememberCopy } = await import('./player');
    const copies = new Map<string, number>();
    for (let i = 0; i < 64; i++) rememberCopy(copies, `s${i}`, 1);
    rememberCopy(copies, 's0', 2); // touched: now the newest
    rememberCopy(copies, 's64', 1); // one too many: s1, the oldest, goes
    expect(copies.size).toBe(64);
    expect(copies.get('s0')).toBe(2);
    expect(copies.has('s1')).toBe(false);
    expect([...copies.keys()].at(-1)).toBe('s64');
  });
});
