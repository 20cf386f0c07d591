/**
 * `npm run token -- --stream <id> [--ttl 1h] [--viewer <id>]`: mints a signed
 * playback token with the edge's signing key (the first of PLAYBACK_KEYS, from
 * --keys, $PLAYBACK_KEYS or .dev.vars). What a site's backend does per viewer,
 * for operators and scripts.
 */
import { mintPlaybackToken, parsePlaybackKeys, parseTtl } from '@edgeswarm/protocol';
import { type CliRequest, type OptionTable, parseOptions } from './cli-options';

export const tokenCommandDefaults = { ttl: '1h' } as const;

export const tokenUsage =
  'usage: npm run token -- --stream <id> [--ttl 1h] [--viewer <id>] [--keys id:secret,...]\n' +
  '  the signing key is the first of --keys, $PLAYBACK_KEYS or PLAYBACK_KEYS in .dev.vars';

export interface MintedToken {
  token: string;
  stream: string;
  expiresAt: number;
  keyId: string;
}

const options = {
  stream: { type: 'string' },
  ttl: { type: 'string', default: tokenCommandDefaults.ttl },
  viewer: { type: 'string' },
  keys: { type: 'string' },
} satisfies OptionTable;

/** Mints the token the arguments ask for (or asks for the usage, or says what is wrong); `now` in unix seconds. */
export async function tokenFromArgs(
  argv: readonly string[],
  keysFromEnvironment: string | undefined,
  now: number,
): Promise<CliRequest<MintedToken>> {
  const parsed = parseOptions(argv, options);
  if (!parsed.ok || 'help' in parsed) return parsed;
  const { values } = parsed.value;
  if (!values.stream) return { ok: false, reason: '--stream is required' };
  const ttl = parseTtl(values.ttl);
  if (!ttl.ok) return { ok: false, reason: `--ttl: ${ttl.reason}` };
  const keys = parsePlaybackKeys(values.keys ?? keysFromEnvironment ?? '');
  if (!keys.ok) return { ok: false, reason: `PLAYBACK_KEYS: ${keys.reason}` };
  const key = keys.value[0];
  if (!key) return { ok: false, reason: 'no playback keys' };
  const expiresAt = now + ttl.value;
  try {
    const token = await mintPlaybackToken(
      { stream: values.stream, expiresAt, ...(values.viewer ? { viewer: values.viewer } : {}) },
      key,
    );
    return { ok: true, value: { token, stream: values.stream, expiresAt, keyId: key.id } };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
