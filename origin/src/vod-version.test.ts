import type { MultivariantPlaylist, PublisherCheck } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { planVodPublish, versionedMaster, versionedName, vodVersionName } from './vod-version';

const check = (fields: Partial<PublisherCheck> = {}): PublisherCheck => ({
  ok: true,
  stream: 'trailer',
  role: 'publisher',
  published: false,
  ...fields,
});

describe('vod versions', () => {
  it('names a version by its UTC second and four random base-36 characters, one object-name part', () => {
    const at = new Date('2026-12-01T08:05:12.987Z');
    expect(vodVersionName(at, 0)).toBe('20261201T080512Z-0000');
    expect(vodVersionName(at, 0.5)).toBe('20261201T080512Z-i000');
    expect(vodVersionName(at, 0.999_999_9)).toMatch(/^20261201T080512Z-[0-9a-z]{4}$/);
    expect(vodVersionName(at, 1)).toMatch(/^20261201T080512Z-[0-9a-z]{4}$/);
    expect(vodVersionName(at, 0.25)).not.toBe(vodVersionName(at, 0.75));
    // Later uploads sort later.
    expect(vodVersionName(new Date('2026-12-01T08:05:13Z'), 0) > vodVersionName(at, 0.99)).toBe(true);
  });

  it('puts objects and the multivariant playlist’s variants inside the version folder', () => {
    expect(versionedName('20261201T080512Z-k3f9', 'v0/seg-00000.m4s')).toBe('20261201T080512Z-k3f9/v0/seg-00000.m4s');
    const master: MultivariantPlaylist = {
      type: 'multivariant',
      version: 7,
      independentSegments: true,
      variants: [
        { uri: 'v0/index.m3u8', bandwidth: 800_000 },
        { uri: 'v1/index.m3u8', bandwidth: 400_000 },
      ],
    };
    const switched = versionedMaster(master, 'r1');
    expect(switched.variants.map((v) => v.uri)).toEqual(['r1/v0/index.m3u8', 'r1/v1/index.m3u8']);
    expect(switched.variants[0]?.bandwidth).toBe(800_000);
    expect(master.variants[0]?.uri).toBe('v0/index.m3u8'); // not mutated
  });
});

describe('planVodPublish', () => {
  it('publishes a new stream, with or without --replace', () => {
    expect(planVodPublish(check(), false)).toEqual({ ok: true, replacing: false });
    expect(planVodPublish(check(), true)).toEqual({ ok: true, replacing: false });
  });

  it('refuses an existing video without --replace, saying how to replace it', () => {
    const plan = planVodPublish(check({ published: true, kind: 'vod' }), false);
    expect(plan).toEqual({ ok: false, reason: expect.stringContaining('stream trailer already exists') });
    expect(!plan.ok && plan.reason).toContain('run again with --replace');
  });

  it('replaces an existing video with --replace', () => {
    expect(planVodPublish(check({ published: true, kind: 'vod' }), true)).toEqual({ ok: true, replacing: true });
    // An edge that says it is published but not what: treated as a video.
    expect(planVodPublish(check({ published: true }), true)).toEqual({ ok: true, replacing: true });
  });

  it('never turns a live stream into a video, --replace or not', () => {
    for (const replace of [false, true]) {
      const plan = planVodPublish(check({ published: true, kind: 'live' }), replace);
      expect(plan).toEqual({ ok: false, reason: expect.stringContaining('stream trailer is a live stream') });
      expect(!plan.ok && plan.reason).toContain('DELETE /v1/streams/trailer');
    }
  });
});
