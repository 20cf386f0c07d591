import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  type CpuProfile,
  cpuByThreadKind,
  decodeMappings,
  fetchableUrl,
  profileLines,
  shortSource,
  sourceMapLookup,
  summariseProfiles,
  threadKind,
  threadSecondsFromStat,
} from './renderer-profile';

describe('source maps', () => {
  it('decodes VLQ segments, relative fields and negative steps', () => {
    // Line 1: column 0 → source 0 line 0; column 5 → source 0 line 2 name 1. Line 2: column 3 → line 1 (a step of −1).
    expect(decodeMappings('AAAA,KAECC;GADA')).toEqual([
      [
        [0, 0, 0, undefined],
        [5, 0, 2, 1],
      ],
      [[3, 0, 1, undefined]],
    ]);
    expect(() => decodeMappings('A!AA')).toThrow(/VLQ/);
  });

  it('maps a position in esbuild-minified code back to its source line', () => {
    const source = 'export function hashSegment(a) { return a * 2 }\nexport function tickOnce(b) { return b + 1 }\n';
    const out = transformSync(source, {
      minify: true,
      sourcemap: 'external',
      sourcefile: 'player/src/tick.ts',
      format: 'esm',
    });
    const lookup = sourceMapLookup(JSON.parse(out.map));
    const at = (text: string) => {
      const index = out.code.indexOf(text);
      const before = out.code.slice(0, index).split('\n');
      return lookup(before.length - 1, (before.at(-1) as string).length);
    };
    // Minified, each function is named by one letter; the map keeps the original name.
    expect(at('t(n){return n*2}')).toEqual({ source: 'player/src/tick.ts', line: 1, name: 'hashSegment' });
    expect(at('e(n){return n+1}')).toEqual({ source: 'player/src/tick.ts', line: 2, name: 'tickOnce' });
    expect(lookup(99, 0)).toBeNull();
  });

  it('names a source by its package or its workspace path', () => {
    expect(shortSource('../../node_modules/hls.js/dist/hls.mjs')).toBe('hls.js');
    expect(shortSource('../node_modules/@scope/pkg/lib/a.js')).toBe('@scope/pkg');
    expect(shortSource('../../src/hybrid/player.ts')).toBe('src/hybrid/player.ts');
    expect(shortSource('../../../policy/src/tick.ts')).toBe('policy/src/tick.ts');
  });
});

describe('profile summary', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('a', 'http://x/player/hybrid-player.js', 0) },
      { id: 5, callFrame: frame('b', 'http://x/player/hybrid-player.js', 1) },
      { id: 6, callFrame: frame('c', 'http://x/other.js', 4) },
    ],
    startTime: 0,
    endTime: 10_000_000,
    // Each sample lasts until the next: idle 5 ms, GC 1 ms, a 2 ms, b 1 ms, c 1 ms; the last sample has no length.
    samples: [2, 3, 4, 4, 5, 6, 4],
    timeDeltas: [0, 5000, 1000, 1000, 1000, 1000, 1000],
  };
  const lookup = (url: string, line: number) =>
    url.endsWith('hybrid-player.js')
      ? line === 0
        ? { source: '../../node_modules/hls.js/dist/hls.mjs', line: 10, name: 'load' }
        : { source: '../../src/sha256.ts', line: 20 }
      : null;

  it('sums busy self time by source and by function, without idle', () => {
    const summary = summariseProfiles([profile, profile], lookup);
    expect(summary.profiles).toBe(2);
    expect(summary.sampledMs).toBe(20_000);
    expect(summary.busyMs).toBe(10);
    expect(summary.bySource).toEqual([
      { name: 'hls.js', ms: 4, percent: 40 },
      { name: '(garbage collector)', ms: 2, percent: 20 },
      { name: 'src/sha256.ts', ms: 2, percent: 20 },
      { name: 'other.js', ms: 2, percent: 20 },
    ]);
    expect(summary.byFunction.map((e) => e.name)).toEqual([
      'load hls.js:10',
      '(garbage collector)',
      'b src/sha256.ts:20',
      'c other.js:5',
    ]);
    expect(summariseProfiles([profile], lookup, 1).bySource).toHaveLength(1);
    expect(profileLines('p', summary)[1]).toBe(
      'p   by source: hls.js 40.0% · (garbage collector) 20.0% · src/sha256.ts 20.0% · other.js 20.0%',
    );
  });

  it('prints each viewer of its own browser: main thread busy and its threads', () => {
    const summary = {
      ...summariseProfiles([profile], lookup),
      viewers: [{ viewer: 1, busyMs: 2500, threads: { CrRendererMain: 3, WebRTC_W_and_N: 0.42 } }],
    };
    expect(profileLines('p', summary)).toContain(
      'p   viewer 2: main thread busy 2.50 s; threads, CPU s: CrRendererMain 3.00 · WebRTC_W_and_N 0.42',
    );
  });
});

describe('renderer threads', () => {
  it('reads a thread CPU time from its stat line, even with spaces and parentheses in its name', () => {
    const stat = '4242 (WebRTC (x) 1) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0';
    expect(threadSecondsFromStat(stat)).toBe(3);
    expect(threadSecondsFromStat(stat, 1000)).toBe(0.3);
  });

  it('sums threads by kind, numbers dropped, largest first', () => {
    expect(threadKind('ThreadPoolForeg\n')).toBe('ThreadPoolForeg');
    expect(threadKind('WebRTC_Worker_3')).toBe('WebRTC_Worker');
    expect(threadKind('Media 2')).toBe('Media');
    expect(threadKind('123')).toBe('123');
    expect(
      cpuByThreadKind([
        { name: 'CrRendererMain', seconds: 1.5 },
        { name: 'WebRTC_Network', seconds: 0.5 },
        { name: 'ThreadPoolForeg', seconds: 1 },
        { name: 'ThreadPoolForeg', seconds: 1.004 },
        { name: 'bad', seconds: Number.NaN },
      ]),
    ).toEqual({ ThreadPoolForeg: 2, CrRendererMain: 1.5, WebRTC_Network: 0.5 });
    expect(
      Object.keys(
        cpuByThreadKind([
          { name: 'a', seconds: 1 },
          { name: 'b', seconds: 2 },
        ]),
      ),
    ).toEqual(['b', 'a']);
  });
});

describe("a page's script, fetched from the harness", () => {
  it('comes from the address the edge alias stands for, port and path kept; other URLs as they are', () => {
    const alias = { host: 'edge.localhost', address: '10.78.0.1' };
    expect(fetchableUrl('http://edge.localhost:39395/player/hybrid-p2p.js', alias)).toBe(
      'http://10.78.0.1:39395/player/hybrid-p2p.js',
    );
    expect(fetchableUrl('http://127.0.0.1:8787/player/hybrid-p2p.js?v=1', alias)).toBe(
      'http://127.0.0.1:8787/player/hybrid-p2p.js?v=1',
    );
    expect(fetchableUrl('http://edge.localhost:39395/player/hybrid-p2p.js')).toBe(
      'http://edge.localhost:39395/player/hybrid-p2p.js',
    );
  });
});
