/**
 * A harness-only fault: one media fragment request of one viewer fails, once, as a network error (status 0, which
 * hls.js does not retry). It goes in through the browser automation (a playwright route on that viewer's page, removed
 * once it has fired), never through a URL or attribute of the production pages. compare's `--fail-fragment 4:2`:
 * viewer 4's second request for a fragment of the top rendition.
 *
 * Why: one such failure used to bar the rendition for the whole session (hls.js's `errorPenaltyExpireMs` 0), leaving
 * the viewer alone in another rendition's swarm (BENCHMARKS, the isolated viewer); the policy now lets the penalty
 * expire (`hlsLiveSettings`). This fault makes that happen on purpose in a real run.
 */

export interface FragmentFault {
  /** The viewer, by index (0 = the first to join). */
  viewer: number;
  /** The rendition whose fragments count, as its path segment in the stream's URLs (`v0`, the top). */
  rendition: string;
  /** Which of that viewer's requests for such a fragment fails, 1 = its first. */
  nth: number;
}

export const fragmentFaultDefaults = {
  /**
   * The test stream's top rendition, the one every viewer plays on a residential link. The ladder names renditions
   * tallest first (origin/src/ladder.ts), so its path is v0; hls.js sorts levels by bitrate, so it is hls.js's level 2.
   */
  rendition: 'v0',
};

/** Pure: `--fail-fragment <viewer>:<n>` (viewer from 1 as the logs count them; n from 1) for a cohort of `viewers`. */
export function parseFragmentFault(
  spec: string,
  viewers: number,
  rendition = fragmentFaultDefaults.rendition,
): FragmentFault | { error: string } {
  const match = /^(\d+):(\d+)$/.exec(spec.trim());
  const viewer = Number(match?.[1]);
  const nth = Number(match?.[2]);
  if (!match || viewer < 1 || nth < 1) {
    return {
      error: `--fail-fragment takes <viewer>:<n> (viewer 1–${viewers}, n from 1: its nth ${rendition} fragment request fails), not ${JSON.stringify(spec)}`,
    };
  }
  if (viewer > viewers) return { error: `--fail-fragment ${spec}: there are only ${viewers} viewers` };
  return { viewer: viewer - 1, rendition, nth };
}

/** Pure: whether `url` asks for a media fragment of `rendition` (`…/v0/seg-00012.m4s`, any query). */
export function isRenditionFragment(url: string, rendition: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false;
  }
  const parts = path.split('/');
  const file = parts.at(-1) ?? '';
  return parts.at(-2) === rendition && file.endsWith('.m4s') && !file.startsWith('init');
}

/**
 * Pure but for its count: a function of each request URL the viewer makes, true for exactly one, the fault's `nth`
 * fragment of its rendition; never again after it (a retry of the same URL goes through).
 */
export function fragmentFaultPlan(fault: Pick<FragmentFault, 'rendition' | 'nth'>): {
  fails: (url: string) => boolean;
  fired: () => boolean;
} {
  let seen = 0;
  return {
    fails: (url) => isRenditionFragment(url, fault.rendition) && ++seen === fault.nth,
    fired: () => seen >= fault.nth,
  };
}
