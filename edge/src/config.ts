import type { Env } from './env';

export interface EdgeConfig {
  /** Largest object ingest accepts, in bytes. */
  maxUploadBytes: number;
  /** Absent means ingest is closed: every PUT is refused with 503. */
  publishSecret: string | undefined;
}

export const edgeDefaults: EdgeConfig = {
  maxUploadBytes: 16 * 1024 * 1024,
  publishSecret: undefined,
};

/** Reads configuration from bindings, falling back to defaults (with a warning) on nonsense. */
export function readConfig(env: Env): EdgeConfig {
  const config = { ...edgeDefaults, publishSecret: env.PUBLISH_SECRET || undefined };
  if (env.MAX_UPLOAD_BYTES !== undefined) {
    const limit = Number(env.MAX_UPLOAD_BYTES);
    if (Number.isSafeInteger(limit) && limit > 0) config.maxUploadBytes = limit;
    else
      console.warn(
        `MAX_UPLOAD_BYTES=${env.MAX_UPLOAD_BYTES} is not a positive integer; using ${edgeDefaults.maxUploadBytes}`,
      );
  }
  return config;
}
