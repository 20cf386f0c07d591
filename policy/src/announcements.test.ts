import { describe, expect, it } from 'vitest';
import { announceIntervalSeconds } from './announcements';
import { policyDefaults } from './options';

const o = policyDefaults;
/** A receiver in a swarm of 8, connected to the 7 others. */
const receiver = { firstFetcher: false, uploadOpen: true, targetDuration: 2, connectedPeers: 7, swarmMembers: 8 };

describe('segment announcements: how often', () => {
  it('a receiver announces every receiverAnnounceTargetDurations target durations', () => {
    expect(announceIntervalSeconds(receiver, o)).toBe(o.receiverAnnounceTargetDurations * 2);
    expect(
      announceIntervalSeconds({ ...receiver, targetDuration: 6 }, { ...o, receiverAnnounceTargetDurations: 1.5 }),
    ).toBe(9);
  });

  it('only in a full mesh: a receiver missing a member, or before the tracker counted the swarm, announces each change', () => {
    expect(announceIntervalSeconds({ ...receiver, connectedPeers: 6 }, o)).toBe(0);
    expect(announceIntervalSeconds({ ...receiver, connectedPeers: 30, swarmMembers: 1000 }, o)).toBe(0);
    expect(announceIntervalSeconds({ ...receiver, swarmMembers: undefined }, o)).toBe(0);
    expect(announceIntervalSeconds({ ...receiver, connectedPeers: 0, swarmMembers: 1 }, o)).toBe(0);
    // More peers than the count: one that joined since, or one of a neighbouring sub-shard the tracker introduced,
    // which may take its segments from this viewer.
    expect(announceIntervalSeconds({ ...receiver, connectedPeers: 8 }, o)).toBe(0);
  });

  it('a first fetcher announces every change at once: its peers wait for its segments', () => {
    expect(announceIntervalSeconds({ ...receiver, firstFetcher: true }, o)).toBe(0);
  });

  it('so does every viewer while upload spreads onto relays or copies', () => {
    expect(announceIntervalSeconds(receiver, { ...o, spreadRelays: 2 })).toBe(0);
    expect(announceIntervalSeconds(receiver, { ...o, spreadCopies: 3 })).toBe(0);
  });

  it('with upload off, or no target duration yet, or the setting at 0, nothing is spaced', () => {
    expect(announceIntervalSeconds({ ...receiver, uploadOpen: false }, o)).toBe(0);
    expect(announceIntervalSeconds({ ...receiver, targetDuration: 0 }, o)).toBe(0);
    expect(announceIntervalSeconds({ ...receiver, targetDuration: Number.NaN }, o)).toBe(0);
    expect(announceIntervalSeconds(receiver, { ...o, receiverAnnounceTargetDurations: 0 })).toBe(0);
  });

  it('stays a target duration inside the presence window, so a receiver is never dropped from the rank', () => {
    expect(announceIntervalSeconds(receiver, { ...o, receiverAnnounceTargetDurations: 10 })).toBe(
      (o.activePeerTargetDurations - 1) * 2,
    );
    expect(announceIntervalSeconds(receiver, { ...o, activePeerTargetDurations: 1 })).toBe(0);
  });
});
