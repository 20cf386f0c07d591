import { describe, expect, it } from 'vitest';
import { buildLadder } from './ladder';

const sizes = (source: { width: number; height: number }) =>
  buildLadder({ ...source, frameRate: 30 }).map((r) => `${r.width}x${r.height}`);

describe('buildLadder', () => {
  it.each([
    [{ width: 1920, height: 1080 }, ['1920x1080', '1280x720', '854x480', '640x360']],
    [{ width: 3840, height: 2160 }, ['1920x1080', '1280x720', '854x480', '640x360']],
    [{ width: 1280, height: 720 }, ['1280x720', '854x480', '640x360', '426x240']],
    [{ width: 640, height: 360 }, ['640x360', '426x240', '256x144']],
    [{ width: 320, height: 180 }, ['320x180', '256x144', '214x120']],
    [{ width: 160, height: 90 }, ['160x90', '106x60', '82x46']],
    [{ width: 720, height: 1280 }, ['720x1280', '480x854', '360x640', '240x426']],
    [{ width: 1080, height: 1920 }, ['1080x1920', '720x1280', '480x854', '360x640']],
    [{ width: 1440, height: 1080 }, ['1440x1080', '960x720', '640x480', '480x360']],
  ])('%j → %j', (source, expected) => {
    expect(sizes(source)).toEqual(expected);
  });

  it('never upscales and always gives at least three renditions', () => {
    for (let height = 90; height <= 2160; height += 30) {
      const ladder = buildLadder({ width: Math.round((height * 16) / 9), height, frameRate: 30 });
      expect(ladder.length).toBeGreaterThanOrEqual(3);
      expect(ladder[0]?.height).toBeLessThanOrEqual(height);
      const portrait = buildLadder({ width: height, height: Math.round((height * 16) / 9), frameRate: 30 });
      expect(portrait[0]?.width).toBeLessThanOrEqual(height);
      for (let i = 1; i < ladder.length; i++) {
        expect(ladder[i]?.height).toBeLessThan(ladder[i - 1]?.height ?? 0);
        expect(ladder[i]?.videoKbps).toBeLessThanOrEqual(ladder[i - 1]?.videoKbps ?? 0);
      }
      for (const r of ladder) expect((r.width % 2) + (r.height % 2)).toBe(0);
    }
  });

  it('scales bitrate with pixels and frame rate, with a floor', () => {
    const [top] = buildLadder({ width: 1280, height: 720, frameRate: 30 });
    expect(top?.videoKbps).toBe(2765);
    const [fast] = buildLadder({ width: 1280, height: 720, frameRate: 60 });
    expect(fast?.videoKbps).toBe(5530);
    const tiny = buildLadder({ width: 160, height: 90, frameRate: 30 });
    expect(tiny.at(-1)?.videoKbps).toBe(64);
  });

  it('names renditions v0 (tallest) upwards', () => {
    expect(buildLadder({ width: 320, height: 180, frameRate: 30 }).map((r) => r.name)).toEqual(['v0', 'v1', 'v2']);
  });
});
