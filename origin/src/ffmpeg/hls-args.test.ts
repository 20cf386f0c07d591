import { describe, expect, it } from 'vitest';
import { encodeArgs, hlsMuxArgs, parseProgressSeconds, vodPackageArgs } from './hls-args';

const renditions = [
  { name: 'v0', width: 320, height: 180, videoKbps: 300 },
  { name: 'v1', width: 256, height: 144, videoKbps: 150 },
];
const base = {
  input: 'in.mp4',
  outputDir: '/tmp/out',
  renditions,
  segmentSeconds: 2,
  frameRate: 25,
  audioKbps: 96,
  preset: 'veryfast',
};

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('vodPackageArgs', () => {
  it('splits, scales and maps each rendition with its audio', () => {
    const args = vodPackageArgs({ ...base, hasAudio: true });
    expect(after(args, '-filter_complex')).toBe('[0:v]split=2[s0][s1];[s0]scale=320:180[v0];[s1]scale=256:144[v1]');
    expect(args.join(' ')).toContain('-map [v0] -map 0:a:0 -b:v:0 300k');
    expect(args.join(' ')).toContain('-map [v1] -map 0:a:0 -b:v:1 150k');
    expect(after(args, '-var_stream_map')).toBe('v:0,a:0 v:1,a:1');
    expect(after(args, '-c:a')).toBe('aac');
  });

  it('leaves audio out when the source has none', () => {
    const args = vodPackageArgs({ ...base, hasAudio: false });
    expect(args).not.toContain('0:a:0');
    expect(args).not.toContain('-c:a');
    expect(after(args, '-var_stream_map')).toBe('v:0 v:1');
  });

  it('aligns keyframes to segment boundaries', () => {
    const args = vodPackageArgs({ ...base, hasAudio: true });
    expect(after(args, '-g')).toBe('50');
    expect(after(args, '-keyint_min')).toBe('50');
    expect(after(args, '-sc_threshold')).toBe('0');
    expect(after(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(after(args, '-hls_time')).toBe('2');
  });

  it('writes fMP4 segments into one folder per rendition', () => {
    const args = vodPackageArgs({ ...base, hasAudio: true });
    expect(after(args, '-hls_segment_type')).toBe('fmp4');
    expect(after(args, '-hls_segment_filename')).toBe('/tmp/out/v%v/seg-%05d.m4s');
    expect(args.at(-1)).toBe('/tmp/out/v%v/index.m3u8');
    expect(after(args, '-hls_playlist_type')).toBe('vod');
  });
});

describe('hlsMuxArgs and encodeArgs for live', () => {
  it('keeps every playlist entry and stamps program date-time', () => {
    const args = hlsMuxArgs({ outputDir: '/w', renditions, segmentSeconds: 2, hasAudio: true, live: true });
    expect(after(args, '-hls_list_size')).toBe('0');
    expect(after(args, '-hls_flags')).toBe('independent_segments+program_date_time');
    expect(args).not.toContain('-hls_playlist_type');
  });

  it('tunes for latency and maps audio from the given input', () => {
    const args = encodeArgs({ ...base, hasAudio: true, tune: 'zerolatency', audioInput: 1 });
    expect(after(args, '-tune')).toBe('zerolatency');
    expect(args.join(' ')).toContain('-map [v0] -map 1:a:0');
  });
});

describe('parseProgressSeconds', () => {
  it('reads the last out_time in a chunk', () => {
    expect(parseProgressSeconds('frame=10\nout_time_us=1500000\nout_time_ms=2500000\nprogress=continue\n')).toBe(2.5);
    expect(parseProgressSeconds('progress=continue')).toBeUndefined();
    expect(parseProgressSeconds('out_time_us=N/A')).toBeUndefined();
  });
});
