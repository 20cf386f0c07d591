import { describe, expect, it } from 'vitest';
import {
  anchoredProgramDateTime,
  incomingDefaults,
  ladderForTake,
  ladderSourceFor,
  readOnMetaData,
} from './incoming-stream';

const fallback = { width: 640, height: 360, frameRate: 30, hasAudio: true };
const sizes = (renditions: { width: number; height: number }[]) => renditions.map((r) => `${r.width}x${r.height}`);

describe('readOnMetaData', () => {
  it("reads OBS's and ffmpeg's onMetaData, with or without @setDataFrame", () => {
    const obs = { width: 1280, height: 720, framerate: 30, videocodecid: 7, audiocodecid: 10, encoder: 'obs-output' };
    expect(readOnMetaData(['@setDataFrame', 'onMetaData', obs])).toEqual({
      width: 1280,
      height: 720,
      frameRate: 30,
      hasAudio: true,
    });
    expect(readOnMetaData(['onMetaData', { width: 854, height: 480, framerate: 29.97, videocodecid: 7 }])).toEqual({
      width: 854,
      height: 480,
      frameRate: 29.97,
      hasAudio: false,
    });
  });

  it('says nothing for other data messages, and what it can for thin metadata', () => {
    expect(readOnMetaData(['onTextData', { text: 'hi' }])).toBeUndefined();
    expect(readOnMetaData([])).toBeUndefined();
    expect(readOnMetaData(['onMetaData'])).toEqual({});
    expect(readOnMetaData(['onMetaData', { width: '1280', height: 720 }])).toEqual({ height: 720 });
  });
});

describe('ladderSourceFor', () => {
  it("follows the encoder's picture: a 720p OBS feed gets a 720p ladder, not --size", () => {
    const source = ladderSourceFor({ width: 1280, height: 720, frameRate: 30, hasAudio: true }, fallback);
    expect(source).toEqual({ width: 1280, height: 720, frameRate: 30, hasAudio: true, from: 'encoder' });
    expect(sizes(ladderForTake(source, undefined))).toEqual(['1280x720', '854x480', '640x360', '426x240']);
  });

  it('caps what x264 must do in real time: 4K comes out at 1080p, 120 fps at 60', () => {
    const source = ladderSourceFor({ width: 3840, height: 2160, frameRate: 120, hasAudio: true }, fallback);
    expect(source.frameRate).toBe(incomingDefaults.maxFrameRate);
    expect(sizes(ladderForTake(source, undefined))[0]).toBe('1920x1080');
  });

  it('falls back to --size and --fps when the encoder says nothing usable', () => {
    expect(ladderSourceFor(undefined, fallback)).toEqual({ ...fallback, from: 'fallback' });
    expect(ladderSourceFor({ width: 0, height: 720 }, fallback).from).toBe('fallback');
    expect(ladderSourceFor({ width: 1e6, height: 720 }, fallback).from).toBe('fallback');
    expect(ladderSourceFor({ width: Number.NaN, height: 720 }, fallback).from).toBe('fallback');
    // what it did say still counts
    expect(ladderSourceFor({ frameRate: 25, hasAudio: false }, fallback)).toEqual({
      ...fallback,
      frameRate: 25,
      hasAudio: false,
      from: 'fallback',
    });
    expect(ladderSourceFor({ width: 426, height: 240, frameRate: 0 }, fallback)).toEqual({
      width: 426,
      height: 240,
      frameRate: 30,
      hasAudio: true,
      from: 'encoder',
    });
  });
});

describe('ladderForTake', () => {
  it('keeps the number of renditions when the encoder comes back with another picture', () => {
    const first = ladderForTake(ladderSourceFor({ width: 640, height: 360, frameRate: 30 }, fallback), undefined);
    expect(sizes(first)).toEqual(['640x360', '426x240', '256x144']);
    const bigger = ladderForTake(ladderSourceFor({ width: 1920, height: 1080, frameRate: 30 }, fallback), first);
    expect(sizes(bigger)).toEqual(['1920x1080', '1280x720', '854x480']);
    const smaller = ladderForTake(ladderSourceFor({ width: 426, height: 240, frameRate: 30 }, fallback), bigger);
    expect(sizes(smaller)).toEqual(['426x240', '256x144', '214x120']);
    const four = ladderForTake(ladderSourceFor({ width: 1280, height: 720, frameRate: 30 }, fallback), undefined);
    const tiny = ladderForTake(ladderSourceFor({ width: 160, height: 90, frameRate: 30 }, fallback), four);
    expect(tiny.map((r) => r.name)).toEqual(['v0', 'v1', 'v2', 'v3']);
  });
});

describe('anchoredProgramDateTime', () => {
  it("moves ffmpeg's stamps to the first frame's arrival, keeping media-time offsets", () => {
    const ffmpegFirst = Date.parse('2026-12-01T05:55:05.271Z'); // muxer start, 2 s after the first frame
    const arrived = Date.parse('2026-12-01T05:55:03.300Z');
    expect(anchoredProgramDateTime(ffmpegFirst, ffmpegFirst, arrived)).toBe(arrived);
    expect(anchoredProgramDateTime(ffmpegFirst + 4000, ffmpegFirst, arrived)).toBe(arrived + 4000);
  });
});
