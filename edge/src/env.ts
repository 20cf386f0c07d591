/** Bindings declared in wrangler.toml. */
export interface Env {
  MEDIA: R2Bucket;
  ASSETS: Fetcher;
  LIVE: DurableObjectNamespace<import('./live/live-stream').LiveStream>;
  SWARM: DurableObjectNamespace<import('./tracker/swarm').TrackerSwarm>;
  /** One sub-shard directory per (stream, region shard). */
  SWARM_DIRECTORY: DurableObjectNamespace<import('./tracker/directory').TrackerDirectory>;
  STATS: DurableObjectNamespace<import('./stats/stream-stats').StreamStats>;
  /** Secret from which per-stream publish keys are derived (see protocol/src/tokens.ts). */
  PUBLISH_SECRET?: string;
  MAX_UPLOAD_BYTES?: string;
  /**
   * "1" turns on fault injection (`POST /v1/tracker/:stream/outage`): set only by the test harnesses and the workerd
   * tests, never in wrangler.toml, so a deployed edge answers that URL 404.
   */
  FAULT_INJECTION?: string;
  /** "1" lets tracker clients pick their region shard (local runs and tests only). */
  TRACKER_REGION_OVERRIDE?: string;
  /**
   * How many of a swarm's earliest members every tracker announce reply names (tracker/limits.ts `namedMembersFor`,
   * 0-20); a player whose policy sets receiverMaxPeers then holds few peers when others are named. Unset: none, as in
   * wrangler.toml; `compare --named-members` sets it.
   */
  TRACKER_NAMED_MEMBERS?: string;
  /**
   * How long a stream's stats object keeps its 10 s buckets, whole seconds up to the default hour (stats/aggregate.ts
   * `statsOptionsFor`): set by the soak, shorter, so the buckets are at their bound before it judges memory; unset
   * in wrangler.toml, so a deployed edge keeps the hour its dashboard shows.
   */
  STATS_RETENTION_SECONDS?: string;
  /** Signed playback keys, `id:secret[@retirement]`, the signing key first (protocol/src/playback-token.ts). */
  PLAYBACK_KEYS?: string;
}

export type AppEnv = { Bindings: Env };
