import { describe, expect, it } from 'vitest';
import { cohortWarnings } from './harness';
import { cohort, results, run, viewer } from './test-fixtures';

describe('harness warnings', () => {
  it('has nothing to say about a healthy cohort', () => {
    const [cdn] = results().cohorts;
    expect(cdn && cohortWarnings(cdn)).toEqual([]);
  });

  it('says when the machine was saturated, viewers never started, or the edge and viewers disagree', () => {
    const hybrid = cohort(
      run('hybrid', [viewer(0, { httpBytes: 1_000_000 }), viewer(1, { startupMs: null, errors: ['networkError: x'] })]),
      2_000_000,
      95,
    );
    const warnings = cohortWarnings(hybrid);
    expect(warnings).toEqual([
      expect.stringMatching(/^hybrid: the machine was CPU-saturated \(95% of 2 cores busy/),
      'hybrid: only 1 of 2 viewers started playing',
      'hybrid: 1 fatal playback errors (see results.json)',
      expect.stringMatching(/edge counted 2\.00 MB .* viewers 1\.00 MB over HTTP \(50% apart\)/),
    ]);
  });

  it('explains a gap between the edge and the viewers under a cap by abandoned segments', () => {
    const c = cohort(run('cdn', [viewer(0, { httpBytes: 9_500_000 })]), 15_500_000);
    c.proxy = { ...c.proxy, mediaBytes: 12_300_000, capBindingMs: 110_000 };
    expect(cohortWarnings(c)).toEqual([
      'CDN-only: the edge counted 15.50 MB of segments, the viewers 9.50 MB over HTTP (39% apart); 12.30 MB crossed the cap: the edge counts a segment in full when it answers, and viewers abandoned many while the cap held them back',
    ]);
  });

  it("says when the edge's stats were missing", () => {
    const c = cohort(run('cdn', [viewer(0, { httpBytes: 5 })]), 5);
    expect(cohortWarnings({ ...c, edge: null })).toEqual([
      "CDN-only: the edge's stats were unavailable; edge egress is the proxy's count",
    ]);
  });
});
