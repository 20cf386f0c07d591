import { describe, expect, it } from 'vitest';
import { deadlineMargin, planLatency } from './deadlines';
import { chooseSource, loaderAbandons, slack } from './loader-model';
import { policyDefaults, resolvePolicyOptions } from './options';
import {
  budgetContended,
  newUploadBudget,
  rankUploadTargets,
  spendUpload,
  uploadOpen,
  uploadRateBps,
} from './reciprocity';
import { earliestPeers, epochOf, isFirstFetcher, makePeerId, peerJoinedAt, rankSwarm, seederCount } from './roles';
import { hlsLiveSettings, loaderWindows } from './windows';

const o = policyDefaults;

describe('resolvePolicyOptions', () => {
  it('clamps out-of-range values with a warning and ignores unknown keys', () => {
    const { options, warnings } = resolvePolicyOptions({
      latencyTargetDurations: 1,
      uploadKbps: 'x',
      bogus: 1,
    } as never);
    expect(options.latencyTargetDurations).toBe(3);
    expect(options.uploadKbps).toBe(policyDefaults.uploadKbps);
    expect(warnings).toEqual([
      'latencyTargetDurations=1 is outside [3, 60]; using 3',
      `uploadKbps must be a number; using ${policyDefaults.uploadKbps}`,
      'unknown option bogus ignored',
    ]);
  });
});

describe('latency plan and window sizing', () => {
  it.each([
    // target duration, publish lag → liveSync, worst latency (default target: 4.5 TD, safety 0.8 s):
    // liveSync = 4.5 TD − 1 TD − lag − 0.8 s, worst = liveSync + 1 TD + lag = 4.5 TD − 0.8 s
    [2, 0.2, 6, 8.2],
    [2, 1, 5.2, 8.2],
    [4, 0.5, 12.7, 17.2],
    [1, 0.2, 2.5, 3.7],
    [6, 0, 20.2, 26.2],
  ])('TD %d s, lag %d s → liveSync %d s, worst %d s', (td, lag, liveSync, worst) => {
    const plan = planLatency(td, lag, o);
    expect(plan.liveSyncDuration).toBeCloseTo(liveSync, 5);
    expect(plan.worstLatency).toBeCloseTo(worst, 5);
    expect(plan.worstLatency).toBeLessThanOrEqual(plan.targetLatency);
  });

  it('never plans less than one segment of buffer, even if that misses the target', () => {
    const plan = planLatency(2, 10, o);
    expect(plan.liveSyncDuration).toBe(2);
    expect(plan.worstLatency).toBeGreaterThan(plan.targetLatency);
  });

  it.each([
    [0, 1],
    [0.1, 1],
    [0.5, 1.5],
    [2, 6],
  ])('margin for %d s HTTP fetches is %d s', (fetch, margin) => {
    expect(deadlineMargin(fetch, o)).toBeCloseTo(margin);
  });

  it('gives first fetchers the whole live window from the edge, and others only the margin', () => {
    const plan = planLatency(2, 0.2, o); // liveSync 6 s: the live window is 6 + 2 × 2 = 10 s
    const leech = loaderWindows(
      { live: true, targetDuration: 2, marginSeconds: deadlineMargin(0.1, o), firstFetcher: false, uploadOpen: true },
      plan,
    );
    expect(leech).toEqual({
      // The 1 s margin, opened a second early: p2p-media-loader may take that long to notice.
      highDemandTimeWindow: 2,
      httpDownloadTimeWindow: 0,
      p2pDownloadTimeWindow: 10,
      p2pNotReceivingBytesTimeoutMs: 500,
      isP2PUploadDisabled: false,
    });
    const seed = loaderWindows(
      { live: true, targetDuration: 2, marginSeconds: deadlineMargin(0.1, o), firstFetcher: true, uploadOpen: false },
      plan,
    );
    expect(seed).toMatchObject({
      highDemandTimeWindow: 10,
      httpDownloadTimeWindow: 10,
      p2pDownloadTimeWindow: 10,
      isP2PUploadDisabled: true,
    });
  });

  it('bounds VOD prefetching instead of the stock 3000 s / 6000 s', () => {
    const plan = planLatency(2, 0, o);
    const vod = loaderWindows(
      { live: false, targetDuration: 2, marginSeconds: deadlineMargin(0.2, o), firstFetcher: false, uploadOpen: true },
      plan,
    );
    expect(vod).toMatchObject({ highDemandTimeWindow: 4, httpDownloadTimeWindow: 0, p2pDownloadTimeWindow: 60 });
  });

  it('asks hls.js to sit liveSync behind the edge and to jump back if it drifts', () => {
    expect(hlsLiveSettings(planLatency(2, 0.2, o), 2)).toEqual({
      liveSyncDuration: 6,
      liveMaxLatencyDuration: 12,
      maxBufferLength: 30,
      // Played media is let go 30 s behind the playhead, not kept until the browser's quota.
      backBufferLength: 30,
      // Behind target, it plays up to 10% faster instead of drifting until the jump.
      maxLiveSyncPlaybackRate: 1.1,
      // A rendition that failed a load is passed over for 5 target durations, not for good (hls.js's default).
      errorPenaltyExpireMs: 10_000,
    });
    expect(hlsLiveSettings(planLatency(6, 0.2, o), 6).errorPenaltyExpireMs).toBe(30_000);
  });
});

describe('slack → source', () => {
  it.each([
    // slack, margin, holders, first fetcher → source
    [5, 1, 0, false, 'wait'],
    [5, 1, 2, false, 'p2p'],
    [5, 1, 0, true, 'http'],
    [5, 1, 3, true, 'http'],
    [1, 1, 3, false, 'http'],
    [0.4, 1, 3, false, 'http'],
    [-2, 1, 0, false, 'http'],
    [1.01, 1, 1, false, 'p2p'],
  ] as const)(
    'slack %d, margin %d, %d holders, first fetcher %s → %s',
    (slackSeconds, marginSeconds, holders, firstFetcher, source) => {
      expect(chooseSource({ slackSeconds, marginSeconds, holders, firstFetcher })).toBe(source);
    },
  );

  it('measures slack in playback time', () => {
    expect(slack(10, 6)).toBe(4);
    expect(slack(10, 6, 2)).toBe(2);
  });
});

describe('the loader model: abandoning a peer transfer', () => {
  it.each([
    // slack, margin → switched to the edge
    [4, 1, false],
    [1.01, 1, false],
    [1, 1, true], // the segment enters the high-demand window
    [0.5, 1, true],
    [-1, 1, true],
  ])('slack %d s, margin %d s → to the edge: %s', (slackSeconds, marginSeconds, abandon) => {
    expect(loaderAbandons({ slackSeconds, marginSeconds })).toBe(abandon);
  });
});

describe('first fetchers', () => {
  const peers = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];

  const four = { ...o, seederFanout: 4 };

  it('sizes the set by fanout, at least the minimum, never more than the swarm', () => {
    expect([1, 2, 4, 5, 8, 9, 100].map((n) => seederCount(n, four))).toEqual([1, 1, 1, 2, 2, 3, 25]);
    // The default: one first fetcher per 16 (the simulator's runs in BENCHMARKS.md chose it).
    expect([1, 16, 17, 100, 10_000].map((n) => seederCount(n, o))).toEqual([1, 1, 2, 7, 625]);
    expect([3, 5].map((n) => seederCount(n, { ...o, minSeeders: 2 }))).toEqual([2, 2]);
  });

  it('is the same set on every peer that sees the same swarm', () => {
    const epoch = epochOf(1000, 30);
    const views = peers.map((self) => isFirstFetcher({ self, peers: peers.filter((p) => p !== self), epoch }, four));
    expect(views.filter(Boolean)).toHaveLength(2);
    const ranked = rankSwarm(peers, epoch);
    expect(peers.filter((_, i) => views[i])).toEqual(expect.arrayContaining(ranked.slice(0, 2)));
  });

  it('breaks ties by a hash that rotates with the epoch', () => {
    const firsts = new Set<string>();
    for (let epoch = 0; epoch < 20; epoch++) firsts.add(rankSwarm(peers, epoch)[0] ?? '');
    expect(firsts.size).toBeGreaterThan(3);
  });

  it('ranks by tenure first: the earliest joiner is the first fetcher', () => {
    const early = makePeerId(1_000, 'aaaaaaa');
    const late = [makePeerId(1_010, 'bbbbbbb'), makePeerId(1_020, 'ccccccc'), makePeerId(1_030, 'ddddddd')];
    for (let epoch = 0; epoch < 10; epoch++)
      expect(rankSwarm([...late, early, 'foreign-client-id-12'], epoch)[0]).toBe(early);
    expect(rankSwarm([...late, 'foreign-client-id-12'], 3).at(-1)).toBe('foreign-client-id-12');
    expect(isFirstFetcher({ self: early, peers: late, epoch: 5 }, o)).toBe(true);
    expect(isFirstFetcher({ self: late[0] as string, peers: [early, ...late.slice(1)], epoch: 5 }, o)).toBe(false);
  });

  it('puts the join time in a 20-character peer id and reads it back', () => {
    const id = makePeerId(1_764_030_000, 'Zz9!abcdef');
    expect(id).toHaveLength(20);
    expect(id.startsWith('-ES01-')).toBe(true);
    expect(peerJoinedAt(id)).toBe(1_764_030_000);
    expect(peerJoinedAt('-XX0100-abcdefghijkl')).toBeUndefined();
  });

  it('lets a newcomer wait for the peers on their way before it fetches for itself', () => {
    // Started P2P 1 s ago, nobody connected yet: wait (the deadline margin still guards playback).
    expect(isFirstFetcher({ self: 'p1', peers: [], epoch: 1, p2pSeconds: 1 }, o)).toBe(false);
    expect(isFirstFetcher({ self: 'p1', peers: [], epoch: 1, p2pSeconds: 3.9 }, o)).toBe(false);
    // Still nobody after the grace: alone, so it fetches for itself.
    expect(isFirstFetcher({ self: 'p1', peers: [], epoch: 1, p2pSeconds: 4 }, o)).toBe(true);
    expect(isFirstFetcher({ self: 'p1', peers: [], epoch: 1, p2pSeconds: 1 }, { ...o, newcomerSeconds: 0 })).toBe(true);
    // With peers, the rank decides, new or not.
    expect(isFirstFetcher({ self: 'p1', peers: ['p2'], epoch: 1, p2pSeconds: 1 }, four)).toBe(
      rankSwarm(['p1', 'p2'], 1)[0] === 'p1',
    );
  });

  it('widens when peers are scarce: alone, or with only consume-only peers, a peer fetches for itself', () => {
    expect(isFirstFetcher({ self: 'p1', peers: [], epoch: 1 }, o)).toBe(true);
    expect(isFirstFetcher({ self: 'p1', peers: ['p2'], epoch: 1, nonUploaders: ['p2'] }, o)).toBe(true);
    expect(isFirstFetcher({ self: 'p2', peers: ['p1'], epoch: 1, nonUploaders: ['p2'] }, o)).toBe(false);
  });
});

describe('reciprocity', () => {
  const now = 1000;
  const ledger = (id: string, received: number, sent: number, connectedAt = 0) => ({ id, received, sent, connectedAt });

  it('serves the peers that upload to us first and keeps an optimistic slot for the newest', () => {
    const ranking = rankUploadTargets(
      [
        ledger('giver', 900, 100),
        ledger('big-giver', 5000, 0),
        ledger('leech', 0, 4000),
        ledger('new', 0, 0, 995),
        ledger('meh', 10, 10),
      ],
      now,
      { ...o, uploadSlots: 3 },
    );
    expect(ranking).toEqual({ served: ['big-giver', 'giver', 'new'], choked: ['leech', 'meh'] });
  });

  it('never gives a free-rider a regular slot, even when slots are free', () => {
    const ranking = rankUploadTargets([ledger('leech', 0, 9000), ledger('old-new', 0, 0, 100)], now, o);
    expect(ranking.served).toEqual([]);
    expect(ranking.choked).toEqual(['leech', 'old-new']);
  });

  it('caps upload with a token bucket and supports consume-only', () => {
    const options = { ...o, uploadKbps: 800, uploadBurstSeconds: 2 }; // 100 kB/s, 200 kB burst
    const rate = uploadRateBps(0, options);
    expect(rate).toBe(100_000);
    let budget = newUploadBudget(0, rate, options);
    expect(uploadOpen(budget, 0, rate, options)).toBe(true);
    budget = spendUpload(budget, 250_000, 0, rate, options);
    expect(uploadOpen(budget, 0, rate, options)).toBe(false);
    expect(uploadOpen(budget, 0.4, rate, options)).toBe(false);
    expect(uploadOpen(budget, 0.6, rate, options)).toBe(true);
    expect(budgetContended(budget, 0.6, rate, options)).toBe(true);
    expect(budgetContended(budget, 5, rate, options)).toBe(false);
    const off = { ...o, uploadKbps: 0 };
    const offRate = uploadRateBps(125_000, off);
    expect(offRate).toBe(0);
    expect(uploadOpen(newUploadBudget(0, offRate, off), 10, offRate, off)).toBe(false);
  });

  it.each([
    // uplink bytes/s (0: unmeasured), cap kbps, share → rate bytes/s
    [0, 1_000_000, 0.8, 125_000_000], // unmeasured: the cap alone
    [0, 8000, 0.8, 1_000_000],
    [125_000, 1_000_000, 0.8, 100_000], // a 1 Mbit/s DSL uplink: 0.8 Mbit/s, not the cap
    [12_500_000, 1_000_000, 0.8, 10_000_000], // 100 Mbit/s fibre: 80 Mbit/s
    [12_500_000, 8000, 0.8, 1_000_000], // a cap below the share rules
    [125_000, 1_000_000, 1, 125_000],
  ])('the budget follows the measured uplink: %d B/s, cap %d kbps, share %d → %d B/s', (uplink, cap, share, rate) => {
    expect(uploadRateBps(uplink, { uploadKbps: cap, uploadShare: share })).toBeCloseTo(rate, 6);
  });

  it('a budget whose rate falls keeps no more than the new burst', () => {
    const options = { ...o, uploadBurstSeconds: 2 };
    const budget = newUploadBudget(0, 1_000_000, options); // 2 MB of tokens
    const lower = spendUpload(budget, 0, 1, 100_000, options); // the uplink measured at 125 kB/s: 100 kB/s
    expect(lower.tokens).toBe(200_000);
    expect(budgetContended(spendUpload(lower, 160_000, 1, 100_000, options), 1, 100_000, options)).toBe(true);
  });
});

describe('earliestPeers: the members a tracker names', () => {
  const a = makePeerId(100, 'zzzzzzz');
  const b = makePeerId(200, 'aaaaaaa');
  const c = makePeerId(200, 'bbbbbbb');
  const stock = '-WW0101-abcdefghijkl';
  it('takes the k earliest joiners, ties by id, ids not ours last, each once', () => {
    expect(earliestPeers([stock, c, b, a], 2)).toEqual([a, b]);
    expect(earliestPeers([c, stock, a, b, a], 4)).toEqual([a, b, c, stock]);
    expect(earliestPeers([b, c], 5)).toEqual([b, c]);
  });
  it('names nobody for k of 0 or less', () => {
    expect(earliestPeers([a, b], 0)).toEqual([]);
    expect(earliestPeers([a, b], -1)).toEqual([]);
  });
});
