import { describe, expect, it } from 'vitest';
import { completeBoxes, createPartSplitter, partPlan, readTracks, type SplitEvent } from './fmp4-parts';

// Minimal ISO BMFF boxes, shaped like ffmpeg's fragmented MP4 (empty_moov + default_base_moof + frag_keyframe).
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const box = (type: string, ...payload: number[][]) => {
  const body = payload.flat();
  return [...u32(8 + body.length), ...[...type].map((c) => c.charCodeAt(0)), ...body];
};
const full = (version: number, flags: number) => [version, (flags >>> 16) & 255, (flags >>> 8) & 255, flags & 255];

const VIDEO = 1;
const AUDIO = 2;
function trak(id: number, timescale: number, handler: string) {
  return box(
    'trak',
    box('tkhd', full(0, 3), u32(0), u32(0), u32(id), new Array(60).fill(0)),
    box(
      'mdia',
      box('mdhd', full(0, 0), u32(0), u32(0), u32(timescale), u32(0), [0, 0, 0, 0]),
      box(
        'hdlr',
        full(0, 0),
        u32(0),
        [...handler].map((c) => c.charCodeAt(0)),
        new Array(12).fill(0),
        [0],
      ),
    ),
  );
}
const trex = (id: number, duration: number, flags: number) =>
  box('trex', full(0, 0), u32(id), u32(1), u32(duration), u32(0), u32(flags));
const init = [
  ...box(
    'ftyp',
    [...'iso5'].map((c) => c.charCodeAt(0)),
    u32(512),
  ),
  ...box(
    'moov',
    box('mvhd', full(0, 0), new Array(96).fill(0)),
    trak(VIDEO, 15360, 'vide'),
    trak(AUDIO, 48000, 'soun'),
    box('mvex', trex(VIDEO, 0, 0), trex(AUDIO, 1024, 0)),
  ),
];

const NON_SYNC = 0x10000;
/** One fragment: `frames` video frames of 512 ticks (30 fps at 15360), the first a key frame or not, plus audio. */
function fragment(sequence: number, frames: number, key: boolean, mdatBytes = 20) {
  const videoTrun = box(
    'trun',
    full(0, 0x1 | 0x4 | 0x100 | 0x200),
    u32(frames),
    u32(0),
    u32(key ? 0x02000000 : NON_SYNC),
    ...Array.from({ length: frames }, () => [...u32(512), ...u32(10)]),
  );
  const audioTrun = box('trun', full(0, 0x1 | 0x200), u32(2), u32(0), u32(5), u32(5));
  const traf = (id: number, trun: number[]) =>
    box('traf', box('tfhd', full(0, 0x20000), u32(id)), box('tfdt', full(1, 0), u32(0), u32(sequence * 7680)), trun);
  return [
    ...box('moof', box('mfhd', full(0, 0), u32(sequence)), traf(VIDEO, videoTrun), traf(AUDIO, audioTrun)),
    ...box('mdat', new Array(mdatBytes).fill(sequence & 255)),
  ];
}

/** Two 2 s segments of four 0.5 s parts, then a 0.2 s tail, and ffmpeg's mfra at the end. */
const stream = new Uint8Array([
  ...init,
  ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => fragment(i + 1, 15, i % 4 === 0)),
  ...fragment(9, 6, true),
  ...box('mfra', new Array(16).fill(0)),
]);

function split(chunkSize: number): SplitEvent[] {
  const splitter = createPartSplitter({ segmentSeconds: 2, partSeconds: 0.5 });
  const events: SplitEvent[] = [];
  for (let at = 0; at < stream.byteLength; at += chunkSize) {
    events.push(...splitter.push(stream.slice(at, at + chunkSize)));
  }
  return [...events, ...splitter.end()];
}

describe('completeBoxes', () => {
  it('lists whole boxes and stops at a partial one', () => {
    const { boxes, consumed } = completeBoxes(stream.slice(0, init.length + 10));
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(consumed).toBe(init.length);
  });

  it('refuses a box shorter than its header', () => {
    expect(() => completeBoxes(new Uint8Array([0, 0, 0, 4, 109, 111, 111, 102]))).toThrow('malformed MP4');
  });
});

describe('readTracks', () => {
  it('reads each track timescale, kind and trex defaults', () => {
    const tracks = readTracks(new Uint8Array(init));
    expect(tracks.get(VIDEO)).toMatchObject({ timescale: 15360, video: true });
    expect(tracks.get(AUDIO)).toMatchObject({ timescale: 48000, video: false, defaultDuration: 1024 });
  });
});

describe('createPartSplitter', () => {
  it.each([1, 7, 64, 100_000])('gives the same init, parts and segments whatever the chunk size (%i bytes)', (size) => {
    const events = split(size);
    expect(
      events.map((e) =>
        e.kind === 'init' ? 'init' : `${e.kind} ${e.segment}${e.kind === 'part' ? `.${e.part}` : ''}`,
      ),
    ).toEqual([
      'init',
      'part 0.0',
      'part 0.1',
      'part 0.2',
      'part 0.3',
      'segment 0',
      'part 1.0',
      'part 1.1',
      'part 1.2',
      'part 1.3',
      'segment 1',
      'part 2.0',
      'segment 2',
    ]);
    expect(events[0]).toEqual({ kind: 'init', bytes: new Uint8Array(init) });
  });

  it('times each part from its video track and marks the key-frame parts independent', () => {
    const parts = split(4096).filter((e) => e.kind === 'part');
    expect(parts.map((p) => p.duration)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.2]);
    expect(parts.map((p) => p.independent)).toEqual([true, false, false, false, true, false, false, false, true]);
  });

  it('makes each segment exactly its parts, concatenated, and nothing else (no init, no mfra)', () => {
    const events = split(333);
    for (const segment of events.filter((e) => e.kind === 'segment')) {
      const parts = events.filter((e) => e.kind === 'part' && e.segment === segment.segment);
      const joined = new Uint8Array(parts.flatMap((p) => [...p.bytes]));
      expect(segment.bytes).toEqual(joined);
      expect(segment.parts).toBe(parts.length);
    }
    const segments = events.filter((e) => e.kind === 'segment');
    expect(segments.map((s) => s.duration)).toEqual([2, 2, 0.2]);
    const total = segments.reduce((sum, s) => sum + s.bytes.byteLength, 0);
    expect(total).toBe(stream.byteLength - init.length - box('mfra', new Array(16).fill(0)).length);
  });

  it('closes a segment early at a key frame (a source that cut sooner)', () => {
    const splitter = createPartSplitter({ segmentSeconds: 2, partSeconds: 0.5 });
    const events = splitter.push(new Uint8Array([...init, ...fragment(1, 15, true), ...fragment(2, 15, true)]));
    expect(events.filter((e) => e.kind === 'segment').map((e) => e.segment)).toEqual([0]);
    expect(events.at(-1)).toMatchObject({ kind: 'part', segment: 1, part: 0 });
  });
});

describe('partPlan', () => {
  it('cuts whole frames no longer than asked, and declares a frame of margin', () => {
    expect(partPlan(0.5, 30)).toEqual({ fragmentSeconds: 0.5, partTarget: 0.534 });
    expect(partPlan(0.5, 25)).toEqual({ fragmentSeconds: 0.48, partTarget: 0.52 });
    expect(partPlan(0.2, 30)).toEqual({ fragmentSeconds: 0.2, partTarget: 0.234 });
    expect(partPlan(0.01, 30)).toEqual({ fragmentSeconds: 1 / 30, partTarget: 0.067 });
  });
});
