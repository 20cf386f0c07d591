import { describe, expect, it } from 'vitest';
import { clockOverlay, parseSource, sourceInputArgs } from './sources';

const size = { width: 320, height: 180, frameRate: 25 };

describe('parseSource', () => {
  it.each([
    [undefined, { kind: 'testpattern', ...size }],
    ['testpattern', { kind: 'testpattern', ...size }],
    ['rtmp', { kind: 'rtmp', port: 1935, key: 'key1' }],
    ['-', { kind: 'stdin' }],
    ['stdin', { kind: 'stdin' }],
    ['talk.mp4', { kind: 'file', path: 'talk.mp4' }],
  ])('%j', (flag, expected) => {
    expect(parseSource(flag, size, 'key1')).toEqual(expected);
  });
  it('takes RTMP with only the publish key when no --rtmp-key is given', () => {
    expect(parseSource('rtmp', size, undefined, 1940)).toEqual({ kind: 'rtmp', port: 1940 });
  });
  it('keeps the grace period for an encoder that went away', () => {
    expect(parseSource('rtmp', size, undefined, 1940, 0)).toEqual({ kind: 'rtmp', port: 1940, graceSeconds: 0 });
    expect(parseSource('testpattern', size, undefined, 1940, 30)).toEqual({ kind: 'testpattern', ...size });
  });
});

describe('sourceInputArgs', () => {
  it('paces a test pattern and a tone in real time, with a clock when a font exists', () => {
    const { args, audioInput } = sourceInputArgs({ kind: 'testpattern', ...size }, '/f.ttf');
    expect(audioInput).toBe(1);
    expect(args.filter((a) => a === '-re')).toHaveLength(2);
    expect(args[4]).toBe(
      "testsrc2=size=320x180:rate=25,drawtext=fontfile=/f.ttf:text='%{localtime\\:%T}':fontsize=15:fontcolor=white:box=1:boxcolor=black@0.6:x=8:y=8",
    );
    expect(sourceInputArgs({ kind: 'testpattern', ...size }, null).args[4]).toBe('testsrc2=size=320x180:rate=25');
    expect(clockOverlay(null, 100)).toBe('');
  });

  it('loops a file in real time, reads RTMP pushes as FLV from our listener, reads MPEG-TS from stdin', () => {
    expect(sourceInputArgs({ kind: 'file', path: 'a.mp4' }).args).toEqual(['-re', '-stream_loop', '-1', '-i', 'a.mp4']);
    expect(sourceInputArgs({ kind: 'rtmp', port: 1935 }).args).toEqual(['-f', 'flv', '-i', 'pipe:0']);
    expect(sourceInputArgs({ kind: 'stdin' }).args).toEqual(['-f', 'mpegts', '-i', 'pipe:0']);
  });
});
