/**
 * Beacons from an internet address are counted `holdMs` after they arrive, not at once, so that a flood's first
 * beacons (the ones its address's burst lets through, lib/address-limiter.ts) never count: an address that goes over
 * its limit within the hold is penalised, and every beacon it had waiting is dropped. A flood fast enough to spend its
 * address's burst within the hold (capacity ÷ holdMs + refill per second: about 11 beacons a second with the
 * defaults) counts nothing; a slower one counts at most its address's steady rate, an office's worth of viewers.
 *
 * Pure: the caller keeps the queue (arrival order) and asks which are due at `now`.
 */
import type { Beacon } from '@edgeswarm/protocol';

export interface HeldBeacon {
  beacon: Beacon;
  address: string;
  /** When it arrived (ms): it is counted as of then. */
  at: number;
}

export interface HeldOptions {
  holdMs: number;
  /** Beacons held at most; past it the oldest are counted early (the bound on memory). */
  maxHeld: number;
}

export const heldDefaults: HeldOptions = { holdMs: 3_000, maxHeld: 10_000 };

/**
 * Splits the queue at `now`: `count` the due beacons whose address was not penalised since they arrived, `drop` the
 * due ones whose address was, and keep the rest (not yet due) in order. `penalisedUntil` says until when an address
 * is refused (0: never was, or forgotten); an address penalised after a beacon arrived has a later `penalisedUntil`.
 */
export function dueHeld(
  held: readonly HeldBeacon[],
  now: number,
  penalisedUntil: (address: string) => number,
  options: HeldOptions = heldDefaults,
): { count: HeldBeacon[]; drop: HeldBeacon[]; keep: HeldBeacon[] } {
  const count: HeldBeacon[] = [];
  const drop: HeldBeacon[] = [];
  const early = Math.max(0, held.length - options.maxHeld);
  let i = 0;
  for (; i < held.length; i++) {
    const h = held[i] as HeldBeacon;
    if (i >= early && h.at > now - options.holdMs) break;
    if (penalisedUntil(h.address) > h.at) drop.push(h);
    else count.push(h);
  }
  return { count, drop, keep: held.slice(i) };
}
