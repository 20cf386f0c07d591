/**
 * Deleting a stream (`DELETE /v1/streams/:stream`): everything stored for it.
 * Its tracker shards drop their peers and storage, its stats object and its
 * coordinator forget it, its signed-playback setting goes, this colo's cached
 * copies of its objects are purged, and its objects in R2 are deleted, the
 * marker and multivariant playlist last. In that order, so a deletion cut
 * short still finds the stream and a repeat finishes the job. Each step is a
 * no-op on what is already gone: deleting twice is harmless.
 */
import type { Env } from '../env';
import { accessObjectKey } from '../lib/playback-access';
import { forgetKnownStream } from '../stats/known-streams';
import { regionShards } from '../tracker/region';
import { directoryOf, streamSubShards } from '../tracker/sub-shard-stubs';
import { deleteStreamObjects, hasObjects, streamObjectDefaults } from './stream-objects';

export interface StreamRemoval {
  stream: string;
  /** Objects deleted from R2 by this call, and their bytes. */
  objects: number;
  bytes: number;
  /** Whether the stream had a live coordinator state, stats, or a signed-playback setting. */
  coordinator: boolean;
  stats: boolean;
  access: boolean;
  /** Tracker sockets closed (peers told the stream is gone). */
  trackerSockets: number;
  /** False when the object budget ran out: call again to delete the rest. */
  complete: boolean;
}

export async function streamKnown(env: Env, stream: string): Promise<boolean> {
  const [objects, access, status] = await Promise.all([
    hasObjects(env.MEDIA, stream),
    env.MEDIA.head(accessObjectKey(stream)),
    env.LIVE.get(env.LIVE.idFromName(stream)).status(),
  ]);
  return objects || access !== null || status !== null;
}

/** Removes what is stored for `stream`; undefined when nothing is (an unknown stream). */
export async function removeStream(
  env: Env,
  stream: string,
  /** The Cache API key of an object of this stream, e.g. `https://edge/v1/streams/<id>/<name>`. */
  cacheKeyOf: (name: string) => string,
  limits = streamObjectDefaults,
): Promise<StreamRemoval | undefined> {
  if (!(await streamKnown(env, stream))) return undefined;
  const coordinator = env.LIVE.get(env.LIVE.idFromName(stream));
  const renditions = (await coordinator.status())?.renditions.map((r) => r.name) ?? [];
  // Every sub-shard of every region shard, then the directories that list them.
  const regions = await streamSubShards(env, stream);
  const trackerSockets = (await Promise.all(regions.flatMap((r) => r.subShards.map((s) => s.stub.forget())))).reduce(
    (a, b) => a + b,
    0,
  );
  await Promise.all(regionShards.map((shard) => directoryOf(env, stream, shard).forget()));
  const stats = await env.STATS.get(env.STATS.idFromName(stream)).forget();
  const hadCoordinator = await coordinator.forget();
  const access = (await env.MEDIA.head(accessObjectKey(stream))) !== null;
  if (access) await env.MEDIA.delete(accessObjectKey(stream));
  forgetKnownStream(stream);
  const deleted = await deleteStreamObjects(env.MEDIA, stream, limits);
  // This colo's copies; other colos keep theirs until evicted (nothing lists them any more).
  const purge = [...deleted.names, ...renditions.map((r) => `${r}/live.m3u8`)];
  await Promise.all(purge.map((name) => caches.default.delete(cacheKeyOf(name))));
  return {
    stream,
    objects: deleted.names.length,
    bytes: deleted.bytes,
    coordinator: hadCoordinator,
    stats,
    access,
    trackerSockets,
    complete: deleted.complete,
  };
}
