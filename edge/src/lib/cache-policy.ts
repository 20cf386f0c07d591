/**
 * What the edge tells caches (its own Cache API copy, browsers, any CDN in
 * front) about each kind of object. Pure: the caller supplies what it knows.
 */
import type { ObjectKind } from '@edgeswarm/protocol';

export interface CachePolicyOptions {
  /** Segments and init segments never change once published. */
  immutableMaxAge: number;
  /** The multivariant playlist changes rarely (a new rendition). */
  multivariantMaxAge: number;
  /** A media playlist with EXT-X-ENDLIST is final. */
  endedPlaylistMaxAge: number;
  /** A live media playlist lives at most this fraction of its target duration. */
  livePlaylistFraction: number;
  /** Sidecars (e.g. hash manifests) follow the live edge. */
  sidecarMaxAge: number;
  /**
   * A blocking-reload answer (keyed by _HLS_msn) always contains the segment it
   * was asked for, so it stays valid for as long as that segment is near the
   * live edge: this many target durations.
   */
  blockingTargetDurations: number;
}

export const cachePolicyDefaults: CachePolicyOptions = {
  immutableMaxAge: 31_536_000,
  multivariantMaxAge: 60,
  endedPlaylistMaxAge: 300,
  livePlaylistFraction: 0.5,
  sidecarMaxAge: 1,
  blockingTargetDurations: 6,
};

export type CacheSubject =
  | { kind: 'init' | 'segment' | 'sidecar' }
  | { kind: 'playlist'; playlist: 'multivariant' }
  | { kind: 'playlist'; playlist: 'blocking'; targetDuration: number }
  | { kind: 'playlist'; playlist: 'media'; endList: boolean; targetDuration: number };

export function cacheControlFor(subject: CacheSubject, options: Partial<CachePolicyOptions> = {}): string {
  const o = { ...cachePolicyDefaults, ...options };
  switch (subject.kind) {
    case 'init':
    case 'segment':
      return `public, max-age=${o.immutableMaxAge}, immutable`;
    case 'sidecar':
      return `public, max-age=${o.sidecarMaxAge}`;
    case 'playlist':
      if (subject.playlist === 'multivariant') return `public, max-age=${o.multivariantMaxAge}`;
      if (subject.playlist === 'blocking') {
        return `public, max-age=${subject.targetDuration * o.blockingTargetDurations}`;
      }
      if (subject.endList) return `public, max-age=${o.endedPlaylistMaxAge}`;
      return `public, max-age=${Math.max(1, Math.floor(subject.targetDuration * o.livePlaylistFraction))}`;
  }
}

/** Immutable objects may be cached forever; mutable ones need purging when replaced. */
export function isImmutable(kind: ObjectKind): boolean {
  return kind === 'init' || kind === 'segment';
}
