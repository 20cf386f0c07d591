import { describe, expect, it } from 'vitest';
import { measuredRate, projectTransfer, type TransferProgress } from './abandon';
import { policyDefaults, resolvePolicyOptions } from './options';

const o = { abandonSampleSeconds: 0.5, abandonSampleBytes: 16_384 };
const kB = 1000;

/** A transfer asked at t = 10 s; judged at `now` with `slack` seconds to the playhead and a 1 s margin. */
function judge(progress: Partial<TransferProgress>, now: number, slack: number, margin = 1) {
  return projectTransfer({ startedAt: 10, receivedBytes: 0, bytesLeft: 500 * kB, ...progress }, slack, margin, now, o);
}

describe('projecting a peer transfer against its deadline', () => {
  it('gives up a transfer whose projected finish lands after the deadline less the margin', () => {
    // 100 kB in 1 s, 400 kB left: 4 s more, but only 3 s before the margin.
    const v = judge({ receivedBytes: 100 * kB, bytesLeft: 400 * kB }, 11, 4);
    expect(v).toEqual({ abandon: true, reason: 'late', rateBps: 100 * kB, finishInSeconds: 4 });
  });

  it('keeps one that will finish before it', () => {
    const v = judge({ receivedBytes: 100 * kB, bytesLeft: 400 * kB }, 11, 6);
    expect(v).toMatchObject({ abandon: false, reason: 'on-time', finishInSeconds: 4 });
  });

  it('keeps one whose rate is just enough: finishing exactly at the deadline less the margin is on time', () => {
    expect(judge({ receivedBytes: 100 * kB, bytesLeft: 400 * kB }, 11, 5)).toMatchObject({
      abandon: false,
      reason: 'on-time',
    });
    // …and a hair less rate is late.
    expect(judge({ receivedBytes: 99.9 * kB, bytesLeft: 400 * kB }, 11, 5)).toMatchObject({
      abandon: true,
      reason: 'late',
    });
  });

  it('leaves a peer that has sent nothing to the no-bytes timeout, however close the margin', () => {
    for (const now of [10.5, 11, 20]) {
      expect(judge({ receivedBytes: 0 }, now, 1.5)).toEqual({
        abandon: false,
        reason: 'unmeasured',
        rateBps: 0,
        finishInSeconds: Number.POSITIVE_INFINITY,
      });
    }
  });

  it('does not project at zero elapsed time, nor before the minimum sample', () => {
    expect(judge({ receivedBytes: 50 * kB }, 10, 3)).toMatchObject({ abandon: false, reason: 'unmeasured' });
    // A clock that went backwards is no sample either.
    expect(judge({ receivedBytes: 50 * kB }, 9, 3)).toMatchObject({ abandon: false, reason: 'unmeasured' });
    // 0.4 s: too short to read the link rather than the round trip, even at a hopeless rate.
    expect(judge({ receivedBytes: 20 * kB }, 10.4, 3)).toMatchObject({ abandon: false, reason: 'unmeasured' });
    // 1 s but one small message (under 16 KiB): not enough bytes.
    expect(judge({ receivedBytes: 10 * kB }, 11, 3)).toMatchObject({ abandon: false, reason: 'unmeasured' });
    // Both thresholds reached: projected (20 kB/s, 480 kB left: 24 s against 2).
    expect(judge({ receivedBytes: 20 * kB, bytesLeft: 480 * kB }, 11, 3)).toMatchObject({
      abandon: true,
      reason: 'late',
      rateBps: 20 * kB,
    });
  });

  it('does not project before the peer says how big the segment is', () => {
    expect(judge({ receivedBytes: 100 * kB, bytesLeft: undefined }, 12, 3)).toMatchObject({
      abandon: false,
      reason: 'unmeasured',
      finishInSeconds: Number.POSITIVE_INFINITY,
    });
  });

  it('never abandons a finished transfer, even inside the margin', () => {
    for (const slack of [5, 1, 0, -2]) {
      expect(judge({ receivedBytes: 500 * kB, bytesLeft: 0 }, 11, slack)).toEqual({
        abandon: false,
        reason: 'finished',
        rateBps: 0,
        finishInSeconds: 0,
      });
    }
  });

  it('switches to the edge inside the margin whatever the rate (p2p-media-loader does the same)', () => {
    expect(judge({ receivedBytes: 400 * kB, bytesLeft: 100 * kB }, 11, 1)).toMatchObject({
      abandon: true,
      reason: 'margin',
    });
    expect(judge({ receivedBytes: 0 }, 10, 0.2)).toMatchObject({ abandon: true, reason: 'margin' });
    expect(judge({ receivedBytes: 0 }, 10, -1)).toMatchObject({ abandon: true, reason: 'margin' });
  });

  it('judges a very slow start that then sped up on its recent rate', () => {
    // 2 s at 10 kB/s, then 1 s at 200 kB/s: 220 kB in 3 s (73 kB/s on average), 280 kB left.
    const sped: Partial<TransferProgress> = {
      receivedBytes: 220 * kB,
      bytesLeft: 280 * kB,
      previous: { at: 12, receivedBytes: 20 * kB },
    };
    // On average 3.8 s more against 3 s; at the recent rate 1.4 s: kept.
    expect(judge(sped, 13, 4)).toMatchObject({ abandon: false, reason: 'on-time', rateBps: 200 * kB });
    expect(judge(sped, 13, 4).finishInSeconds).toBeCloseTo(1.4, 9);
    // Without the earlier look, the average alone gives it up.
    expect(judge({ ...sped, previous: undefined }, 13, 4)).toMatchObject({ abandon: true, reason: 'late' });
  });

  it('does not let a fast start excuse a transfer that has slowed down', () => {
    // 300 kB in the first 2 s, 10 kB in the last 1: the average (103 kB/s) is what counts, not the recent 10 kB/s.
    const v = judge(
      { receivedBytes: 310 * kB, bytesLeft: 190 * kB, previous: { at: 12, receivedBytes: 300 * kB } },
      13,
      4,
    );
    expect(v.rateBps).toBeCloseTo((310 * kB) / 3, 6);
    expect(v).toMatchObject({ abandon: false, reason: 'on-time' });
  });

  it('ignores an earlier look too recent to be a sample, or one with nothing since', () => {
    const base = { startedAt: 10, receivedBytes: 100 * kB, bytesLeft: 400 * kB };
    expect(measuredRate({ ...base, previous: { at: 10.9, receivedBytes: 0 } }, 11, o)).toBe(100 * kB);
    expect(measuredRate({ ...base, previous: { at: 11, receivedBytes: 100 * kB } }, 11, o)).toBe(100 * kB);
    expect(measuredRate({ ...base, previous: { at: 10.5, receivedBytes: 100 * kB } }, 11, o)).toBe(100 * kB);
  });

  it('with no minimum sample, projects from the first bytes (but still not at zero elapsed time)', () => {
    const none = { abandonSampleSeconds: 0, abandonSampleBytes: 0 };
    const p = { startedAt: 10, receivedBytes: 1, bytesLeft: 499_999 };
    expect(projectTransfer(p, 3, 1, 10, none)).toMatchObject({ abandon: false, reason: 'unmeasured' });
    expect(projectTransfer(p, 3, 1, 10.5, none)).toMatchObject({ abandon: true, reason: 'late', rateBps: 2 });
  });

  it('uses the configured minimum sample, range-checked like every option', () => {
    expect(policyDefaults.abandonSampleSeconds).toBe(0.5);
    expect(policyDefaults.abandonSampleBytes).toBe(16_384);
    const { options, warnings } = resolvePolicyOptions({ abandonSampleSeconds: -1 });
    expect(options.abandonSampleSeconds).toBe(0);
    expect(warnings).toEqual(['abandonSampleSeconds=-1 is outside [0, 30]; using 0']);
  });
});
