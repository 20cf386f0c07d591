/**
 * Finding a stream's tracker objects: per region shard, its directory and the
 * sub-shards its layout lists. The stats, outage and delete paths go through
 * here, so they reach every sub-shard, not only the first.
 */
import { rangeAt, type SubShardLayout, subShardName } from '@edgeswarm/policy';
import type { Env } from '../env';
import { type RegionShard, regionShards, swarmObjectName } from './region';

export interface SubShardHandle {
  shard: RegionShard;
  /** The sub-shard's object name, the first key of its range and one past its last. */
  name: string;
  start: number;
  end: number;
  stub: DurableObjectStub<import('./swarm').TrackerSwarm>;
}

export function directoryOf(env: Env, stream: string, shard: RegionShard) {
  return env.SWARM_DIRECTORY.get(env.SWARM_DIRECTORY.idFromName(swarmObjectName(stream, shard)));
}

export function subShardHandles(
  env: Env,
  stream: string,
  shard: RegionShard,
  layout: SubShardLayout,
): SubShardHandle[] {
  const base = swarmObjectName(stream, shard);
  return layout.leaves.map((leaf, i) => {
    const name = subShardName(base, leaf.start);
    return { shard, name, ...rangeAt(layout, i), stub: env.SWARM.get(env.SWARM.idFromName(name)) };
  });
}

/** Every sub-shard of every region shard of the stream, with each region's layout. */
export async function streamSubShards(
  env: Env,
  stream: string,
): Promise<{ shard: RegionShard; layout: SubShardLayout; subShards: SubShardHandle[] }[]> {
  return Promise.all(
    regionShards.map(async (shard) => {
      const { layout } = await directoryOf(env, stream, shard).routing();
      return { shard, layout, subShards: subShardHandles(env, stream, shard, layout) };
    }),
  );
}
