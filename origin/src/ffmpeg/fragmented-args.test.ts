import { describe, expect, it } from 'vitest';
import { fragmentedOutputArgs } from './fragmented-args';

const renditions = [
  { name: 'v0', width: 640, height: 360, videoKbps: 800 },
  { name: 'v1', width: 426, height: 240, videoKbps: 400 },
];

describe('fragmentedOutputArgs', () => {
  const args = fragmentedOutputArgs({
    renditions,
    segmentSeconds: 2,
    frameRate: 30,
    hasAudio: true,
    audioKbps: 96,
    preset: 'veryfast',
    tune: 'zerolatency',
    audioInput: 1,
    fragmentSeconds: 0.5,
    firstFd: 3,
    outputSeconds: 10,
  });
  const text = args.join(' ');

  it('splits one decode into the ladder and sends each rendition to a pipe of its own', () => {
    expect(args.slice(0, 2)).toEqual([
      '-filter_complex',
      '[0:v]split=2[s0][s1];[s0]scale=640:360[v0];[s1]scale=426:240[v1]',
    ]);
    expect(args.filter((a) => a.startsWith('pipe:'))).toEqual(['pipe:3', 'pipe:4']);
    expect(text).toContain('-map [v0] -map 1:a:0 -c:v libx264');
    expect(text).toContain('-b:v 400k -maxrate:v 480k -bufsize:v 800k');
  });

  it('forces key frames on segment boundaries and cuts fragments of the part length and at key frames', () => {
    expect(text.match(/-force_key_frames expr:gte\(t,n_forced\*2\)/g)).toHaveLength(2);
    expect(text.match(/-g 60 -keyint_min 60 -sc_threshold 0/g)).toHaveLength(2);
    expect(
      text.match(
        /-flush_packets 1 -f mp4 -movflags \+empty_moov\+default_base_moof\+frag_keyframe -frag_duration 500000/g,
      ),
    ).toHaveLength(2);
  });

  it('limits every output, not just the first, to the media asked for', () => {
    expect(text.match(/-t 10 -flush_packets/g)).toHaveLength(2);
  });

  it('leaves audio out when there is none', () => {
    const silent = fragmentedOutputArgs({
      renditions,
      segmentSeconds: 2,
      frameRate: 30,
      hasAudio: false,
      audioKbps: 96,
      preset: 'veryfast',
      fragmentSeconds: 0.5,
      firstFd: 3,
    }).join(' ');
    expect(silent).not.toContain(':a');
    expect(silent).not.toContain('aac');
  });
});
