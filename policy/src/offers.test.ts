import { describe, expect, it } from 'vitest';
import { announceOffers, offerDefaults } from './offers';

describe('offers per announce', () => {
  it('sends the full number until the swarm is counted', () => {
    expect(announceOffers(undefined, 0)).toBe(5);
    expect(announceOffers(undefined, 12)).toBe(5);
    expect(announceOffers(Number.NaN, 3)).toBe(5);
  });

  it('sends the full number while some member is not connected', () => {
    expect(announceOffers(8, 0)).toBe(5);
    expect(announceOffers(8, 6)).toBe(5);
    expect(announceOffers(100, 40)).toBe(5);
  });

  it('sends none once connected to every other member of a swarm of at least 6', () => {
    expect(announceOffers(6, 5)).toBe(0);
    expect(announceOffers(8, 7)).toBe(0);
    // The count is the last announce's: peers that joined since may be connected already.
    expect(announceOffers(8, 9)).toBe(0);
  });

  it('keeps the full number in a swarm smaller than that, whose surplus offers the tracker forwards', () => {
    expect(announceOffers(1, 0)).toBe(5);
    expect(announceOffers(4, 3)).toBe(5);
    expect(announceOffers(5, 4)).toBe(5);
  });

  it('takes its numbers from the options', () => {
    const options = { ...offerDefaults, max: 3, whenConnectedToAll: 1 };
    expect(announceOffers(4, 3, options)).toBe(1);
    expect(announceOffers(4, 2, options)).toBe(3);
    expect(announceOffers(3, 2, options)).toBe(3);
  });
});
