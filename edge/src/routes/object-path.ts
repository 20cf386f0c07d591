/**
 * Parses `/v1/streams/:stream/<object name>` from the raw, undecoded path.
 * Nothing is percent-decoded: an encoded character is simply not a legal name
 * character, so `..%2f` and friends are refused instead of normalised into a
 * second spelling of some other name.
 */
import { type ObjectName, storageKey, validateObjectName, validateStreamId } from '@edgeswarm/protocol';
import { BadRequestError } from '../lib/errors';

export interface ObjectAddress {
  streamId: string;
  object: ObjectName;
  storageKey: string;
  /** Canonical URL for the Cache API: no query string, so tokens never split the cache. */
  cacheKey: string;
}

const prefix = '/v1/streams/';

export function parseObjectAddress(url: string): ObjectAddress {
  const { origin, pathname } = new URL(url);
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '';
  const slash = rest.indexOf('/');
  const rawStream = slash === -1 ? rest : rest.slice(0, slash);
  const rawName = slash === -1 ? '' : rest.slice(slash + 1);
  const stream = validateStreamId(rawStream);
  if (!stream.ok) throw new BadRequestError(stream.reason);
  const object = validateObjectName(rawName);
  if (!object.ok) throw new BadRequestError(object.reason);
  return {
    streamId: stream.value,
    object: object.value,
    storageKey: storageKey(stream.value, object.value.name),
    cacheKey: `${origin}${prefix}${stream.value}/${object.value.name}`,
  };
}
