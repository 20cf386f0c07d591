/** Bindings declared in wrangler.toml. */
export interface Env {
  MEDIA: R2Bucket;
  ASSETS: Fetcher;
  LIVE: DurableObjectNamespace<import('./live/live-stream').LiveStream>;
  SWARM: DurableObjectNamespace<import('./tracker/swarm').TrackerSwarm>;
  /** Secret from which per-stream publish keys are derived (see protocol/src/tokens.ts). */
  PUBLISH_SECRET?: string;
  MAX_UPLOAD_BYTES?: string;
}

export type AppEnv = { Bindings: Env };
