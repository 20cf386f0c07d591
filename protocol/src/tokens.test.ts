import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivePublishKey, sha256Hex, timingSafeEqual, verifyPublishKey } from './tokens';

const secret = 'a-local-secret-of-enough-length';

describe('publish keys', () => {
  it('is HMAC-SHA256 of the stream id, base64url', async () => {
    const expected = createHmac('sha256', secret).update('publish:demo').digest('base64url');
    expect(await derivePublishKey(secret, 'demo')).toBe(expected);
  });

  it('differs per stream and verifies only for its own stream', async () => {
    const demo = await derivePublishKey(secret, 'demo');
    expect(demo).not.toBe(await derivePublishKey(secret, 'other'));
    expect(await verifyPublishKey(secret, 'demo', demo)).toBe(true);
    expect(await verifyPublishKey(secret, 'other', demo)).toBe(false);
    expect(await verifyPublishKey(`${secret}x`, 'demo', demo)).toBe(false);
    expect(await verifyPublishKey(secret, 'demo', '')).toBe(false);
  });

  it('refuses a short secret', async () => {
    await expect(derivePublishKey('short', 'demo')).rejects.toThrow('at least 16');
  });

  it('compares strings of different lengths safely', () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('sha256Hex', () => {
  it('matches node:crypto', async () => {
    const data = new TextEncoder().encode('segment bytes');
    expect(await sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
