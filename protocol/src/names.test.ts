import { describe, expect, it } from 'vitest';
import { nameLimits, storageKey, validateObjectName, validateStreamId } from './names';

describe('validateStreamId', () => {
  it.each(['demo', 'a', 'Live-2026_01', 'x'.repeat(nameLimits.streamId)])('accepts %s', (id) => {
    expect(validateStreamId(id)).toEqual({ ok: true, value: id });
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(nameLimits.streamId + 1), 'longer than'],
    ['-demo', 'must start'],
    ['_demo', 'must start'],
    ['de mo', 'only contain'],
    ['de/mo', 'only contain'],
    ['..', 'only contain'],
    ['demo%2f', 'only contain'],
    ['démo', 'only contain'],
    ['demo\u0000', 'only contain'],
  ])('refuses %j (%s)', (id, why) => {
    const result = validateStreamId(id);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(why);
  });
});

describe('validateObjectName', () => {
  it.each([
    ['master.m3u8', 'playlist', 'application/vnd.apple.mpegurl'],
    ['v0/index.m3u8', 'playlist', 'application/vnd.apple.mpegurl'],
    ['v0/init.mp4', 'init', 'video/mp4'],
    ['v0/seg-00001.m4s', 'segment', 'video/iso.segment'],
    ['audio/en/seg-1.m4a', 'segment', 'audio/mp4'],
    ['v1/seg_1.ts', 'segment', 'video/mp2t'],
    ['V0/SEG.M4S', 'segment', 'video/iso.segment'],
    ['hashes.json', 'sidecar', 'application/json'],
  ])('accepts %s as %s', (name, kind, contentType) => {
    const result = validateObjectName(name);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ name, kind, contentType }) });
  });

  it.each([
    ['', 'empty'],
    ['../secret.m4s', '".."'],
    ['v0/../x.m4s', '".."'],
    ['v0/..%2fx.m4s', '".."'],
    ['v0/%2e%2e/x.m4s', 'only contain'],
    ['./x.m4s', '"."'],
    ['v0//x.m4s', 'empty'],
    ['/x.m4s', 'empty'],
    ['v0/', 'empty'],
    ['a/b/c/d.m4s', 'more than 3'],
    ['v0/seg 1.m4s', 'only contain'],
    ['v0/seg\\1.m4s', 'only contain'],
    ['v0/.hidden.m4s', 'only contain'],
    ['v0/seg?.m4s', 'only contain'],
    ['v0/seg.exe', 'must end in'],
    ['v0/segment', 'must end in'],
    ['v0/.m4s', 'only contain'],
    [`v0/${'s'.repeat(nameLimits.part)}.m4s`, 'longer than'],
    [`${'a/'.repeat(2)}${'b'.repeat(nameLimits.objectName)}.m4s`, 'longer than'],
  ])('refuses %j (%s)', (name, why) => {
    const result = validateObjectName(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(why);
  });
});

describe('storageKey', () => {
  it('namespaces objects under their stream', () => {
    expect(storageKey('demo', 'v0/init.mp4')).toBe('streams/demo/v0/init.mp4');
  });
});
