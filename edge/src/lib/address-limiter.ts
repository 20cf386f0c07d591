/**
 * Per client address limits, over plain data with `now` passed in: the second line of defence behind the
 * per-socket (tracker) and per-viewer (beacons) limits, which a flood sidesteps by opening more sockets or making up
 * more viewer ids. The address is CF-Connecting-IP, which Cloudflare sets on every request from the internet (a
 * client cannot choose it); locally wrangler sets it to the caller's address unless the caller sent one, which is
 * how the drills give a flood an address of its own.
 *
 * An address that goes over its allowance is a flood, not a household: it is penalised, every request from it
 * refused until `penaltyMs` after its last refused one. The map of addresses is bounded: past `maxAddresses` the
 * one seen longest ago is forgotten (so a flood from many addresses costs memory, never more than that).
 */
import { setNewest } from '@edgeswarm/protocol';
import { fullBucket, type TokenBucket, takeToken } from './token-bucket';

export interface AddressLimits {
  /** Requests one address may make at once, and per second after that. */
  capacity: number;
  refillPerSecond: number;
  /** An address over its allowance is refused everything until this long after its last refused request, ms. */
  penaltyMs: number;
  /** Addresses remembered; the one seen longest ago is forgotten first. */
  maxAddresses: number;
}

interface AddressState {
  bucket: TokenBucket;
  /** Refused outright until then (ms); 0: not penalised. */
  penalisedUntil: number;
}

export type AddressVerdict = { ok: true } | { ok: false; retryAfterMs: number; penalisedNow: boolean };

/** The limiter's state: a Map in insertion order, refreshed on each use, so its first key is the one seen longest ago. */
export class AddressLimiter {
  private readonly addresses = new Map<string, AddressState>();

  constructor(readonly limits: AddressLimits) {}

  get size(): number {
    return this.addresses.size;
  }

  private state(address: string, now: number): AddressState {
    const state = this.addresses.get(address) ?? { bucket: fullBucket(this.limits.capacity, now), penalisedUntil: 0 };
    setNewest(this.addresses, address, state, this.limits.maxAddresses);
    return state;
  }

  /** Whether `address` is penalised at `now`, without spending anything. */
  penalised(address: string, now: number): boolean {
    return (this.addresses.get(address)?.penalisedUntil ?? 0) > now;
  }

  /** Until when `address` is refused (ms); 0 when it never was or has been forgotten. */
  penalisedUntil(address: string): number {
    return this.addresses.get(address)?.penalisedUntil ?? 0;
  }

  /** Penalises `address` now (a rule of the caller's own said it is a flood); true when it was not already. */
  penalise(address: string, now: number): boolean {
    const state = this.state(address, now);
    const fresh = state.penalisedUntil <= now;
    state.penalisedUntil = now + this.limits.penaltyMs;
    return fresh;
  }

  /** One request from `address`: a token, or a refusal (which starts or extends its penalty). */
  take(address: string, now: number): AddressVerdict {
    const state = this.state(address, now);
    if (state.penalisedUntil > now) {
      state.penalisedUntil = now + this.limits.penaltyMs;
      return { ok: false, retryAfterMs: this.limits.penaltyMs, penalisedNow: false };
    }
    const taken = takeToken(state.bucket, now, this.limits.capacity, this.limits.refillPerSecond);
    state.bucket = taken.bucket;
    if (taken.ok) return { ok: true };
    state.penalisedUntil = now + this.limits.penaltyMs;
    return { ok: false, retryAfterMs: this.limits.penaltyMs, penalisedNow: true };
  }
}

/** The client's address as the edge sees it; "" without one. */
export const clientAddress = (headers: Headers): string => headers.get('CF-Connecting-IP')?.trim() ?? '';

/**
 * Whether an address is under the per address limits at all. Not when unknown ("": no CF-Connecting-IP, as in the
 * workerd tests) nor loopback (127.0.0.0/8, ::1: the local harnesses, whose load tests open thousands of sockets from
 * one process). Cloudflare always sets a client's internet address, so neither ever happens in production; the drills
 * give their flood a documentation address (RFC 5737) to be limited like any other.
 */
export const isLimitedAddress = (address: string): boolean =>
  address !== '' && !/^127\./.test(address) && address !== '::1' && address !== '0:0:0:0:0:0:0:1';

/**
 * The Worker's own note of addresses its objects have penalised, per isolate: while one is penalised, the Worker
 * refuses it (429) without a Durable Object call, so a flood's refused requests cost the least they can. Bounded like
 * the limiter (the oldest note is forgotten first); it only ever repeats an object's refusal, never makes one.
 */
export class PenaltyNotes {
  private readonly until = new Map<string, number>();

  constructor(readonly maxAddresses: number) {}

  /** Until when `address` is refused (ms), or 0 when no object said so (or it ran out). */
  refusedUntil(address: string, now: number): number {
    const until = this.until.get(address) ?? 0;
    if (until > now) return until;
    if (until) this.until.delete(address);
    return 0;
  }

  /** An object refused `address` for `seconds` (its Retry-After). */
  note(address: string, now: number, seconds: number): void {
    if (!(seconds > 0)) return;
    setNewest(this.until, address, now + seconds * 1000, this.maxAddresses);
  }
}
