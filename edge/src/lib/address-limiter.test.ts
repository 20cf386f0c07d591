import { describe, expect, it } from 'vitest';
import { AddressLimiter, type AddressLimits, clientAddress, isLimitedAddress, PenaltyNotes } from './address-limiter';

const limits: AddressLimits = { capacity: 3, refillPerSecond: 1, penaltyMs: 10_000, maxAddresses: 2 };

describe('AddressLimiter', () => {
  it('admits an address up to its burst, then refuses and penalises it', () => {
    const limiter = new AddressLimiter(limits);
    expect([1, 2, 3].map(() => limiter.take('198.51.100.7', 0).ok)).toEqual([true, true, true]);
    expect(limiter.take('198.51.100.7', 0)).toEqual({ ok: false, retryAfterMs: 10_000, penalisedNow: true });
    expect(limiter.penalised('198.51.100.7', 9_999)).toBe(true);
    // Another address is not touched by the first one's flood.
    expect(limiter.take('203.0.113.9', 0).ok).toBe(true);
  });

  it('refuses a penalised address even when its bucket has refilled, and each try extends the penalty', () => {
    const limiter = new AddressLimiter(limits);
    for (let i = 0; i < 4; i++) limiter.take('a', 0);
    expect(limiter.take('a', 9_000)).toEqual({ ok: false, retryAfterMs: 10_000, penalisedNow: false });
    expect(limiter.take('a', 18_000).ok).toBe(false);
    expect(limiter.penalised('a', 27_999)).toBe(true);
    // Quiet for the whole penalty: forgiven, with a full bucket.
    expect(limiter.take('a', 28_000).ok).toBe(true);
  });

  it('keeps a household at its steady rate', () => {
    const limiter = new AddressLimiter(limits);
    for (let t = 0; t < 60_000; t += 1000) expect(limiter.take('h', t).ok).toBe(true);
  });

  it('penalise says whether the penalty is new', () => {
    const limiter = new AddressLimiter(limits);
    expect(limiter.penalise('a', 0)).toBe(true);
    expect(limiter.penalise('a', 5_000)).toBe(false);
    expect(limiter.penalised('a', 14_999)).toBe(true);
    expect(limiter.penalised('a', 15_000)).toBe(false);
  });

  it('forgets the address seen longest ago past maxAddresses', () => {
    const limiter = new AddressLimiter(limits);
    limiter.penalise('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0);
    expect(limiter.size).toBe(2);
    expect(limiter.penalised('a', 1)).toBe(false);
  });
});

describe('client addresses', () => {
  it('reads CF-Connecting-IP', () => {
    expect(clientAddress(new Headers({ 'CF-Connecting-IP': ' 198.51.100.7 ' }))).toBe('198.51.100.7');
    expect(clientAddress(new Headers())).toBe('');
  });

  it.each([
    ['198.51.100.7', true],
    ['2001:db8::1', true],
    ['10.0.0.1', true],
    ['', false],
    ['127.0.0.1', false],
    ['127.1.2.3', false],
    ['::1', false],
  ])('%s is limited: %s', (address, limited) => {
    expect(isLimitedAddress(address)).toBe(limited);
  });
});

describe('PenaltyNotes', () => {
  it('repeats a refusal until it runs out, and forgets the oldest past its bound', () => {
    const notes = new PenaltyNotes(2);
    notes.note('a', 0, 60);
    expect(notes.refusedUntil('a', 59_999)).toBe(60_000);
    expect(notes.refusedUntil('a', 60_000)).toBe(0);
    notes.note('b', 0, 60);
    notes.note('c', 0, 60);
    notes.note('d', 0, 60);
    expect(notes.refusedUntil('b', 1)).toBe(0);
    expect(notes.refusedUntil('d', 1)).toBe(60_000);
    notes.note('e', 0, Number.NaN);
    expect(notes.refusedUntil('e', 1)).toBe(0);
  });
});
