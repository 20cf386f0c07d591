/**
 * Where a viewer is, and which region shard of a stream's tracker it joins.
 * Pure and deterministic: the same request metadata always gives the same shard.
 *
 * Shards are continents, a closed set of eight. That keeps every swarm object
 * small for a global audience and makes "nearby" literal, while within a shard
 * the matching policy still prefers the same ASN, then colo or country. Being a
 * closed set, a stream's shards can be enumerated without a registry (see the
 * stats route).
 */
import type { Validation } from '@edgeswarm/protocol';

export const regionShards = ['af', 'an', 'as', 'eu', 'na', 'oc', 'sa', 'xx'] as const;
export type RegionShard = (typeof regionShards)[number];

export interface PeerRegion {
  shard: RegionShard;
  /** IATA code of the Cloudflare data centre, e.g. "FRA"; "" when unknown. */
  colo: string;
  /** ISO 3166-1 alpha-2, or Cloudflare's "T1" (Tor) / "XX"; "" when unknown. */
  country: string;
  /** Autonomous system number; 0 when unknown, which never counts as "the same ASN". */
  asn: number;
}

/** The subset of `request.cf` this module reads. Loosely typed: local runtimes fill it in partially. */
export interface RegionSource {
  colo?: unknown;
  country?: unknown;
  continent?: unknown;
  asn?: unknown;
}

/** Query parameters a client may use to choose its region when the override is enabled. */
export const regionOverrideParams = ['region', 'colo', 'country', 'asn'] as const;

const coloPattern = /^[A-Za-z]{3}$/;
const countryPattern = /^[A-Za-z][A-Za-z0-9]$/;
const asnPattern = /^\d{1,10}$/;
const maxAsn = 4_294_967_295;

function isShard(value: string): value is RegionShard {
  return (regionShards as readonly string[]).includes(value);
}

function text(value: unknown, pattern: RegExp): string {
  return typeof value === 'string' && pattern.test(value) ? value.toUpperCase() : '';
}

function asnOf(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= maxAsn ? value : 0;
}

/** Region from Cloudflare's request metadata alone. Unknown or odd values degrade to "unknown", never fail. */
export function regionFromCf(cf: RegionSource | undefined): PeerRegion {
  const continent = typeof cf?.continent === 'string' ? cf.continent.toLowerCase() : '';
  return {
    shard: isShard(continent) ? continent : 'xx',
    colo: text(cf?.colo, coloPattern),
    country: text(cf?.country, countryPattern),
    asn: asnOf(cf?.asn),
  };
}

/**
 * Region for a tracker connection. With `overrideEnabled` (local runs and tests
 * only; production configuration turns it off), `?region=eu&colo=FRA&country=DE&asn=3320`
 * replace the corresponding metadata field by field. With it off the parameters
 * are ignored, so a client cannot pick its shard in production.
 */
export function resolveRegion(
  cf: RegionSource | undefined,
  query: URLSearchParams,
  overrideEnabled: boolean,
): Validation<PeerRegion> {
  const region = regionFromCf(cf);
  if (!overrideEnabled) return { ok: true, value: region };

  const shard = query.get('region');
  if (shard !== null) {
    const normalised = shard.toLowerCase();
    if (!isShard(normalised)) return { ok: false, reason: `region must be one of ${regionShards.join(', ')}` };
    region.shard = normalised;
  }
  const colo = query.get('colo');
  if (colo !== null) {
    if (!coloPattern.test(colo)) return { ok: false, reason: 'colo must be a 3-letter IATA code' };
    region.colo = colo.toUpperCase();
  }
  const country = query.get('country');
  if (country !== null) {
    if (!countryPattern.test(country)) return { ok: false, reason: 'country must be a 2-character country code' };
    region.country = country.toUpperCase();
  }
  const asn = query.get('asn');
  if (asn !== null) {
    const value = asnPattern.test(asn) ? Number(asn) : Number.NaN;
    if (!(value >= 0 && value <= maxAsn)) return { ok: false, reason: 'asn must be an integer from 0 to 4294967295' };
    region.asn = value;
  }
  return { ok: true, value: region };
}

/** The Durable Object name for one region shard of one stream's tracker. */
export function swarmObjectName(streamId: string, shard: RegionShard): string {
  return `${streamId}:${shard}`;
}
