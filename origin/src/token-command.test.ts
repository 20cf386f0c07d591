import { verifyPlaybackToken } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import { tokenFromArgs } from './token-command';

const keys = 'k2:current-playback-secret,k1:previous-playback-secret@2099-01-01T00:00:00Z';
const now = 1_780_000_000;

describe('npm run token', () => {
  it('mints a token for the stream with the first key, valid for --ttl', async () => {
    const result = await tokenFromArgs(['--stream', 'concert', '--ttl', '1h', '--viewer', 'user-42'], keys, now);
    if (!result.ok) throw new Error(result.reason);
    if ('help' in result) throw new Error('asked for the usage');
    expect(result.value).toMatchObject({ stream: 'concert', expiresAt: now + 3600, keyId: 'k2' });
    const verdict = await verifyPlaybackToken(
      result.value.token,
      'concert',
      [{ id: 'k2', secret: 'current-playback-secret' }],
      now,
    );
    expect(verdict).toMatchObject({ ok: true, claims: { viewer: 'user-42', expiresAt: now + 3600 } });
  });

  it('defaults to an hour, and --keys wins over the environment', async () => {
    const result = await tokenFromArgs(['--stream', 'concert', '--keys', 'k9:another-playback-secret'], keys, now);
    expect(result).toMatchObject({ ok: true, value: { expiresAt: now + 3600, keyId: 'k9' } });
  });

  it.each([
    [[], keys, '--stream is required'],
    [['--stream', 'concert'], undefined, 'PLAYBACK_KEYS: no playback keys'],
    [['--stream', 'concert', '--ttl', 'soon'], keys, '--ttl: soon is not a duration'],
    [['--stream', 'bad id'], keys, 'stream id'],
    [['--stream', 'concert', '--viewer', 'a.b'], keys, 'viewer'],
    [['--stream', 'concert', '--bogus'], keys, 'unknown option --bogus'],
    [['--stream', 'concert', '--tll', '1h'], keys, 'unknown option --tll; did you mean --ttl?'],
    [['concert'], keys, 'unexpected argument "concert"'],
  ])('refuses %j with a reason', async (argv, environment, why) => {
    const result = await tokenFromArgs(argv, environment, now);
    expect(result.ok ? 'ok' : result.reason).toContain(why);
  });

  it('answers --help with the usage, whatever else it is given', async () => {
    expect(await tokenFromArgs(['--help'], undefined, now)).toEqual({ ok: true, help: true });
    expect(await tokenFromArgs(['--stream', 'concert', '-h'], keys, now)).toEqual({ ok: true, help: true });
  });
});
