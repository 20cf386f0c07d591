import { derivePublishKey } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { resolvePublishKey } from './publish-key';

const secret = 'local-secret-of-some-length';
const none = () => ({});

describe('resolvePublishKey', () => {
  it('prefers the flag, then PUBLISH_KEY, then a derived key', async () => {
    expect(await resolvePublishKey('demo', 'flag', { PUBLISH_KEY: 'env' }, none)).toBe('flag');
    expect(await resolvePublishKey('demo', undefined, { PUBLISH_KEY: 'env' }, none)).toBe('env');
    const derived = await derivePublishKey(secret, 'demo');
    expect(await resolvePublishKey('demo', undefined, { PUBLISH_SECRET: secret }, none)).toBe(derived);
    expect(await resolvePublishKey('demo', undefined, {}, () => ({ PUBLISH_SECRET: secret }))).toBe(derived);
  });

  it('explains how to get a key when there is none', async () => {
    await expect(resolvePublishKey('demo', undefined, {}, none)).rejects.toThrow('pass --key');
  });
});
