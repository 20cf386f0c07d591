import { describe, expect, it } from 'vitest';
import { announceOffers, answersOffer, offerDefaults } from './offers';

describe('offers per announce', () => {
  it('sends the full number until the swarm is counted', () => {
    expect(announceOffers(undefined, 0)).toBe(5);
    expect(announceOffers(undefined, 12)).toBe(5);
    expect(announceOffers(Number.NaN, 3)).toBe(5);
  });

  it('sends the full number while some member is not connected', () => {
    expect(announceOffers(8, 0)).toBe(5);
    expect(announceOffers(8, 6)).toBe(5);
    expect(announceOffers(100, 15)).toBe(5);
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

  it('never offers past maxPeers, counting the connections still opening', () => {
    expect(offerDefaults.maxPeers).toBe(20);
    // A large swarm, some member unconnected: the full number while 5 fit, then only the room left.
    expect(announceOffers(1000, 15)).toBe(5);
    expect(announceOffers(1000, 16)).toBe(4);
    expect(announceOffers(1000, 12, offerDefaults, 5)).toBe(3);
    expect(announceOffers(1000, 19)).toBe(1);
    expect(announceOffers(1000, 20)).toBe(0);
    expect(announceOffers(1000, 18, offerDefaults, 2)).toBe(0);
    expect(announceOffers(1000, 25)).toBe(0); // over (answers to earlier offers): none, never a negative number
    // The cap holds before the first count and in a small swarm too.
    expect(announceOffers(undefined, 17)).toBe(3);
    expect(announceOffers(3, 1, { ...offerDefaults, maxPeers: 2 })).toBe(1);
    // Connected to everyone: none, whatever the room.
    expect(announceOffers(8, 7, offerDefaults, 0)).toBe(0);
  });

  it('answers offers while connections and those opening leave room under maxPeers', () => {
    expect(answersOffer(0, 0)).toBe(true);
    expect(answersOffer(19, 0)).toBe(true);
    expect(answersOffer(20, 0)).toBe(false);
    expect(answersOffer(15, 4)).toBe(true);
    expect(answersOffer(15, 5)).toBe(false);
    expect(answersOffer(30, 0)).toBe(false);
    const three = { ...offerDefaults, maxPeers: 3 };
    expect(answersOffer(2, 0, three)).toBe(true);
    expect(answersOffer(2, 1, three)).toBe(false);
  });
});
