import { describe, expect, it } from 'vitest';
import { announceOffers, answersOffer, type OfferOptions, offerDefaults, peerCap } from './offers';
import { policyDefaults } from './options';

/** The offers with the tracker's count and the connections held (and opening), from a tracker that did not say whether it forwards. */
const offers = (members: number | undefined, connected: number, options?: OfferOptions, opening?: number) =>
  announceOffers({ members, connected, ...(opening === undefined ? {} : { opening }) }, options);

describe('offers per announce', () => {
  it('sends the full number until the swarm is counted', () => {
    expect(offers(undefined, 0)).toBe(5);
    expect(offers(undefined, 12)).toBe(5);
    expect(offers(Number.NaN, 3)).toBe(5);
  });

  it('sends the full number while some member is not connected', () => {
    expect(offers(8, 0)).toBe(5);
    expect(offers(8, 6)).toBe(5);
    expect(offers(100, 15)).toBe(5);
  });

  it('sends none once connected to every other member of a swarm of at least 6', () => {
    expect(offers(6, 5)).toBe(0);
    expect(offers(8, 7)).toBe(0);
    // The count is the last announce's: peers that joined since may be connected already.
    expect(offers(8, 9)).toBe(0);
  });

  it('keeps the full number in a swarm smaller than that, whose surplus offers the tracker forwards', () => {
    expect(offers(1, 0)).toBe(5);
    expect(offers(4, 3)).toBe(5);
    expect(offers(5, 4)).toBe(5);
    for (const members of [1, 4, 5])
      expect(announceOffers({ members, connected: members - 1, forwards: true })).toBe(5);
  });

  it('where the tracker forwards nothing, offers no more than there are other members, and none once connected to all', () => {
    const alone = (members: number, connected: number, opening?: number) =>
      announceOffers({ members, connected, forwards: false, ...(opening === undefined ? {} : { opening }) });
    // The first to join meets nobody: no offer, where it made 5 every 30 s.
    expect(alone(1, 0)).toBe(0);
    // Four viewers: one offer per other member while one is missing, none once all three are held.
    expect(alone(4, 0)).toBe(3);
    expect(alone(4, 2)).toBe(3);
    expect(alone(4, 3)).toBe(0);
    // More held than the count had others: newcomers since, whose own offers may not have reached everyone.
    expect(alone(4, 4)).toBe(5);
    expect(alone(1, 1)).toBe(5);
    expect(alone(4, 4, 0)).toBe(5);
    expect(announceOffers({ members: 4, connected: 4, forwards: true })).toBe(5);
    expect(alone(5, 4)).toBe(0);
    expect(alone(5, 1, 2)).toBe(4);
    // A swarm as large as the full number or larger: unchanged.
    expect(alone(6, 4)).toBe(5);
    expect(alone(6, 5)).toBe(0);
    expect(alone(1000, 16)).toBe(4);
    // Room under maxPeers still caps it; before the first count the full number, whatever the tracker said.
    expect(announceOffers({ members: 4, connected: 1, forwards: false }, { ...offerDefaults, maxPeers: 2 })).toBe(1);
    expect(announceOffers({ connected: 0, forwards: false })).toBe(5);
    // whenConnectedToAll applies to small swarms too once nothing is forwarded.
    expect(
      announceOffers({ members: 3, connected: 2, forwards: false }, { ...offerDefaults, whenConnectedToAll: 1 }),
    ).toBe(1);
  });

  it('takes its numbers from the options', () => {
    const options = { ...offerDefaults, max: 3, whenConnectedToAll: 1 };
    expect(offers(4, 3, options)).toBe(1);
    expect(offers(4, 2, options)).toBe(3);
    expect(offers(3, 2, options)).toBe(3);
  });

  it('never offers past maxPeers, counting the connections still opening', () => {
    expect(offerDefaults.maxPeers).toBe(20);
    // A large swarm, some member unconnected: the full number while 5 fit, then only the room left.
    expect(offers(1000, 15)).toBe(5);
    expect(offers(1000, 16)).toBe(4);
    expect(offers(1000, 12, offerDefaults, 5)).toBe(3);
    expect(offers(1000, 19)).toBe(1);
    expect(offers(1000, 20)).toBe(0);
    expect(offers(1000, 18, offerDefaults, 2)).toBe(0);
    expect(offers(1000, 25)).toBe(0); // over (answers to earlier offers): none, never a negative number
    // The cap holds before the first count and in a small swarm too.
    expect(offers(undefined, 17)).toBe(3);
    expect(offers(3, 1, { ...offerDefaults, maxPeers: 2 })).toBe(1);
    // Connected to everyone: none, whatever the room.
    expect(offers(8, 7, offerDefaults, 0)).toBe(0);
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

describe('peerCap: the peers a viewer holds at most', () => {
  const max = offerDefaults.maxPeers;
  it('is maxPeers by default, whatever the tracker named', () => {
    expect(policyDefaults.receiverMaxPeers).toBe(0);
    expect(peerCap({ named: 'receiver', members: 8 }, max, policyDefaults.receiverMaxPeers)).toBe(max);
    expect(peerCap({}, max, 0)).toBe(max);
  });

  it('with receiverMaxPeers, caps a receiver of a swarm every named member can hold whole', () => {
    expect(peerCap({ named: 'receiver', members: 8 }, max, 2)).toBe(2);
    expect(peerCap({ named: 'receiver', members: max }, max, 2)).toBe(2);
    // One more member than a named one can hold: the receivers must feed each other, uncapped.
    expect(peerCap({ named: 'receiver', members: max + 1 }, max, 2)).toBe(max);
  });

  it('never caps a named member, a viewer the tracker named nobody to, or one without a count', () => {
    expect(peerCap({ named: 'leader', members: 8 }, max, 2)).toBe(max);
    expect(peerCap({ members: 8 }, max, 2)).toBe(max);
    expect(peerCap({ named: 'receiver' }, max, 2)).toBe(max);
    expect(peerCap({ named: 'receiver', members: Number.NaN }, max, 2)).toBe(max);
  });

  it('leaves a receiver room for every member named', () => {
    expect(peerCap({ named: 'receiver', namedCount: 3, members: 8 }, max, 2)).toBe(3);
    expect(peerCap({ named: 'receiver', namedCount: 1, members: 8 }, max, 2)).toBe(2);
  });

  it('takes receiverMaxPeers in whole peers, and anything below one as no cap', () => {
    expect(peerCap({ named: 'receiver', members: 8 }, max, 2.7)).toBe(2);
    for (const none of [0.5, -1, Number.NaN]) expect(peerCap({ named: 'receiver', members: 8 }, max, none)).toBe(max);
  });

  it('is never above maxPeers', () => {
    expect(peerCap({ named: 'receiver', members: 3 }, 3, 5)).toBe(3);
    expect(peerCap({ named: 'receiver', namedCount: 9, members: 3 }, 3, 2)).toBe(3);
  });
});
