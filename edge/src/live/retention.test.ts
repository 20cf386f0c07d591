import { parsePlaylist, type SegmentCommit } from '@edgeswarm/protocol';
import { describe, expect, it } from 'vitest';
import {
  applyCommit,
  endStream,
  type LiveStreamState,
  liveDefaults,
  livePlaylist,
  newStream,
  openSession,
  renderLivePlaylist,
} from './live-state';
import { retentionPlan } from './retention';

const t0 = new Date('2026-11-25T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const sha = (n: number) => n.toString(16).padStart(64, '0');

function commit(msn: number, session = 0, overrides: Partial<SegmentCommit> = {}): SegmentCommit {
  return {
    rendition: 'v0',
    msn,
    name: `v0/s${session}-${msn}.m4s`,
    init: `v0/init-s${session}.mp4`,
    duration: 2,
    sha256: sha(msn),
    programDateTime: at(msn * 2).toISOString(),
    discontinuity: false,
    ...overrides,
  };
}

function append(state: LiveStreamState, c: SegmentCommit): LiveStreamState {
  const result = applyCommit(state, c, at(c.msn * 2 + 2));
  if (!result.ok || result.outcome !== 'appended') throw new Error(JSON.stringify(result));
  return result.state;
}

/** `count` 2 s segments of session 0 on rendition v0 (and v1 when asked). */
function streamWith(count: number, options = {}, renditions = ['v0']): LiveStreamState {
  let state = openSession(newStream('demo', { ...liveDefaults, ...options }, t0), t0).state;
  for (let msn = 0; msn < count; msn++) {
    for (const rendition of renditions) {
      state = append(
        state,
        commit(msn, 0, { rendition, name: `${rendition}/s0-${msn}.m4s`, init: `${rendition}/init-s0.mp4` }),
      );
    }
  }
  return state;
}

const grace = { graceSeconds: 10, everySeconds: 30 };

describe('retentionPlan', () => {
  it('keeps the window and the grace behind it, and drops the rest with their objects', () => {
    // Window: 6 segments (12 s); grace 10 s keeps the 5 with less than 10 s after them beyond it; 20 - 11 = 9 dropped.
    const state = streamWith(20);
    const plan = retentionPlan(state, grace);
    expect(plan.dropBefore).toEqual({ v0: 9 });
    expect(plan.state.renditions.v0?.map((s) => s.msn)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(plan.objects).toEqual(Array.from({ length: 9 }, (_, msn) => `v0/s0-${msn}.m4s`));
    expect(plan.state.pruned).toEqual({ v0: { segments: 9, discontinuities: 0 } });
  });

  it('drops nothing while everything is within the window and grace, and returns the same state', () => {
    const state = streamWith(11);
    const plan = retentionPlan(state, grace);
    expect(plan).toEqual({ state, dropBefore: {}, objects: [] });
    expect(plan.state).toBe(state);
    expect(retentionPlan(streamWith(12), grace).dropBefore).toEqual({ v0: 1 });
  });

  it('keeps the whole DVR window', () => {
    const state = streamWith(100, { dvrWindowSeconds: 120 });
    const plan = retentionPlan(state, grace);
    // DVR 120 s = 60 segments, grace 10 s = 5 more: 65 kept.
    expect(plan.state.renditions.v0).toHaveLength(65);
    expect(plan.dropBefore).toEqual({ v0: 35 });
  });

  it('with no grace keeps exactly the window', () => {
    const plan = retentionPlan(streamWith(10), { graceSeconds: 0, everySeconds: 30 });
    expect(plan.state.renditions.v0?.map((s) => s.msn)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('drops nothing from an ended or created stream: what is retained plays on as VOD', () => {
    expect(retentionPlan(endStream(streamWith(30), at(100)), grace).objects).toEqual([]);
    expect(retentionPlan(newStream('x', liveDefaults, t0), grace).objects).toEqual([]);
  });

  it('plans each rendition on its own', () => {
    const plan = retentionPlan(streamWith(14, {}, ['v0', 'v1']), grace);
    expect(plan.dropBefore).toEqual({ v0: 3, v1: 3 });
    expect(plan.objects).toEqual([
      'v0/s0-0.m4s',
      'v0/s0-1.m4s',
      'v0/s0-2.m4s',
      'v1/s0-0.m4s',
      'v1/s0-1.m4s',
      'v1/s0-2.m4s',
    ]);
  });

  it("deletes an old session's init segment once no retained segment uses it, not before", () => {
    let state = streamWith(4);
    state = openSession(state, at(50)).state;
    for (let msn = 4; msn < 24; msn++) state = append(state, commit(msn, 1, { discontinuity: msn === 4 }));
    const plan = retentionPlan(state, grace);
    expect(plan.dropBefore).toEqual({ v0: 13 });
    expect(plan.objects).toContain('v0/init-s0.mp4');
    expect(plan.objects).not.toContain('v0/init-s1.mp4');
    expect(plan.objects.filter((o) => o.includes('init'))).toHaveLength(1);

    let early = streamWith(8);
    early = openSession(early, at(50)).state;
    for (let msn = 8; msn < 16; msn++) early = append(early, commit(msn, 1, { discontinuity: msn === 8 }));
    const partial = retentionPlan(early, grace);
    expect(partial.dropBefore).toEqual({ v0: 5 });
    expect(partial.objects).not.toContain('v0/init-s0.mp4');
  });

  it("keeps the playlist's media and discontinuity sequences right after dropping", () => {
    let state = streamWith(4);
    state = openSession(state, at(50)).state;
    for (let msn = 4; msn < 30; msn++) state = append(state, commit(msn, 1, { discontinuity: msn === 4 }));
    const before = livePlaylist(state, 'v0');
    const plan = retentionPlan(state, grace);
    expect(plan.state.pruned?.v0).toEqual({ segments: 19, discontinuities: 1 });
    const after = livePlaylist(plan.state, 'v0');
    expect(after).toEqual(before);
    expect(parsePlaylist(renderLivePlaylist(plan.state, 'v0') ?? '')).toMatchObject({
      ok: true,
      value: { mediaSequence: 24, discontinuitySequence: 1 },
    });
  });

  it('counts a discontinuity on the first retained segment, which had something before it', () => {
    let state = streamWith(9);
    state = openSession(state, at(50)).state;
    for (let msn = 9; msn < 40; msn++) state = append(state, commit(msn, 1, { discontinuity: msn === 9 }));
    // First pass drops 0..8 (session 0); the discontinuity on 9 is now the first retained segment's.
    const first = retentionPlan({ ...state, renditions: { v0: state.renditions.v0?.slice(0, 20) ?? [] } }, grace);
    expect(first.state.renditions.v0?.[0]).toMatchObject({ msn: 9, discontinuity: true });
    expect(first.state.pruned?.v0).toEqual({ segments: 9, discontinuities: 0 });
    const full = {
      ...first.state,
      renditions: { v0: [...(first.state.renditions.v0 ?? []), ...(state.renditions.v0?.slice(20) ?? [])] },
    };
    expect(livePlaylist(full, 'v0')?.discontinuitySequence).toBe(1);
    const second = retentionPlan(full, grace);
    expect(second.state.pruned?.v0).toEqual({ segments: 29, discontinuities: 1 });
    expect(livePlaylist(second.state, 'v0')?.discontinuitySequence).toBe(1);
  });

  it('makes the ended playlist list what was retained, and treats a late retry of a dropped commit as a duplicate', () => {
    const plan = retentionPlan(streamWith(20), grace);
    const ended = endStream(plan.state, at(100));
    const playlist = livePlaylist(ended, 'v0');
    expect(playlist).toMatchObject({ endList: true, mediaSequence: 9 });
    expect(playlist?.segments).toHaveLength(11);
    const retry = applyCommit(plan.state, commit(3), at(60));
    expect(retry).toMatchObject({ ok: true, outcome: 'duplicate' });
    expect(applyCommit(plan.state, commit(20), at(60))).toMatchObject({ ok: true, outcome: 'appended' });
  });
});
