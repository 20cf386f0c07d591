import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  mintPlaybackToken,
  type PlaybackKey,
  parsePlaybackKeys,
  parseTtl,
  playbackTokenDefaults,
  verifyPlaybackToken,
} from './playback-token';

const now = 1_780_000_000;
const current: PlaybackKey = { id: 'k2', secret: 'current-playback-secret' };
const overlap: PlaybackKey = { id: 'k1', secret: 'previous-playback-secret', retiresAt: now + 3600 };
const retired: PlaybackKey = { id: 'k0', secret: 'ancient-playback-secret', retiresAt: now - 1 };
const keys = [current, overlap, retired];

const reason = (v: { ok: boolean; reason?: string }) => (v.ok ? 'ok' : v.reason);

describe('parsePlaybackKeys', () => {
  it('reads id:secret[@retirement], the signing key first', () => {
    expect(
      parsePlaybackKeys(
        'k2:current-playback-secret, k1:previous-playback-secret@2026-12-02T00:00:00Z,k0:x:y-0123456789abcdef@1700000000',
      ),
    ).toEqual({
      ok: true,
      value: [
        { id: 'k2', secret: 'current-playback-secret' },
        { id: 'k1', secret: 'previous-playback-secret', retiresAt: Date.parse('2026-12-02T00:00:00Z') / 1000 },
        { id: 'k0', secret: 'x:y-0123456789abcdef', retiresAt: 1_700_000_000 },
      ],
    });
  });

  it.each([
    ['', 'no playback keys'],
    ['nocolon', 'id:secret'],
    ['bad id!:0123456789abcdef', 'id:secret'],
    ['k1:short', 'at least 16'],
    ['k1:0123456789abcdef,k1:0123456789abcdef', 'listed twice'],
    ['k1:0123456789abcdef@soon', 'is not a time'],
    ['k1:0123456789abcdef@1700000000', 'the first playback key signs'],
  ])('refuses %j', (text, why) => {
    expect(reason(parsePlaybackKeys(text))).toContain(why);
  });
});

describe('parseTtl', () => {
  it.each([
    ['30', 30],
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
  ])('%s is %i s', (text, seconds) => {
    expect(parseTtl(text)).toEqual({ ok: true, value: seconds });
  });

  it.each(['', '1w', '-1h', '1.5h', '0'])('refuses %j', (text) => {
    expect(parseTtl(text).ok).toBe(false);
  });
});

describe('playback tokens', () => {
  it('round-trips the claims, URL- and cookie-safe as written', async () => {
    const token = await mintPlaybackToken({ stream: 'concert', expiresAt: now + 3600, viewer: 'user-42' }, current);
    expect(token).toMatch(/^v1\.k2\.concert\.\d+\.user-42\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(await verifyPlaybackToken(token, 'concert', keys, now)).toEqual({
      ok: true,
      keyId: 'k2',
      claims: { stream: 'concert', expiresAt: now + 3600, viewer: 'user-42' },
    });
    const anonymous = await mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, current);
    expect(anonymous).toContain(`.${now + 60}..`);
    expect(await verifyPlaybackToken(anonymous, 'concert', keys, now)).toMatchObject({ ok: true });
  });

  it('accepts a token of a key in its overlap window, until the key retires', async () => {
    const token = await mintPlaybackToken({ stream: 'concert', expiresAt: now + 7200 }, overlap);
    expect(await verifyPlaybackToken(token, 'concert', keys, now)).toMatchObject({ ok: true, keyId: 'k1' });
    expect(reason(await verifyPlaybackToken(token, 'concert', keys, now + 3600))).toContain('retired at');
  });

  it('tolerates a little clock skew at expiry, not more', async () => {
    const token = await mintPlaybackToken({ stream: 'concert', expiresAt: now }, current);
    expect((await verifyPlaybackToken(token, 'concert', keys, now + playbackTokenDefaults.clockSkewSeconds)).ok).toBe(
      true,
    );
    expect(reason(await verifyPlaybackToken(token, 'concert', keys, now + 31))).toContain('expired at');
  });

  it.each([
    [
      'another stream',
      async () => mintPlaybackToken({ stream: 'other', expiresAt: now + 60 }, current),
      'is for stream other, not concert',
    ],
    [
      'an expired token',
      async () => mintPlaybackToken({ stream: 'concert', expiresAt: now - 3600 }, current),
      'expired at',
    ],
    [
      'a rotated-out key',
      async () => mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, retired),
      'signed with key k0, retired at',
    ],
    [
      'a key the edge does not hold',
      async () =>
        mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, { id: 'kx', secret: 'some-other-secret-0123' }),
      'which this edge does not hold',
    ],
    [
      'a forged signature',
      async () =>
        mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, { id: 'k2', secret: 'a-guessed-secret-0123' }),
      'signature does not match',
    ],
    [
      'a claim changed after signing',
      async () =>
        (await mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, current)).replace(
          `${now + 60}`,
          `${now + 6000}`,
        ),
      'signature does not match',
    ],
    [
      'a viewer added after signing',
      async () =>
        (await mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, current)).replace('..', '.someone.'),
      'signature does not match',
    ],
    [
      'a lifetime over the maximum',
      async () => mintPlaybackToken({ stream: 'concert', expiresAt: now + 8 * 86_400 }, current),
      'longer than',
    ],
    ['garbage', async () => 'not-a-token', 'malformed'],
    ['an empty token', async () => '', 'malformed'],
    ['a short signature', async () => `v1.k2.concert.${now + 60}..abc`, 'malformed'],
    [
      'another version',
      async () => (await mintPlaybackToken({ stream: 'concert', expiresAt: now + 60 }, current)).replace('v1.', 'v2.'),
      'malformed',
    ],
  ])('refuses %s', async (_what, make, why) => {
    expect(reason(await verifyPlaybackToken(await make(), 'concert', keys, now))).toContain(why);
  });

  it("verifies what the README's backend snippet (node:crypto, no edgeswarm code) mints", async () => {
    // The README's "Signed playback" snippet, verbatim apart from the inputs.
    const message = `v1.k2.concert.${now + 600}.user-7`;
    const token = `${message}.${createHmac('sha256', current.secret).update(message).digest('base64url')}`;
    expect(await verifyPlaybackToken(token, 'concert', keys, now)).toMatchObject({
      ok: true,
      claims: { viewer: 'user-7' },
    });
  });

  it('refuses to mint what it would not accept', async () => {
    await expect(mintPlaybackToken({ stream: 'bad id', expiresAt: now }, current)).rejects.toThrow('stream id');
    await expect(mintPlaybackToken({ stream: 'a', expiresAt: now, viewer: 'x.y' }, current)).rejects.toThrow('viewer');
    await expect(mintPlaybackToken({ stream: 'a', expiresAt: 1.5 }, current)).rejects.toThrow('unix seconds');
  });
});
