import { describe, expect, it } from 'vitest';
import { fragmentFaultPlan, isRenditionFragment, parseFragmentFault } from './fragment-fault';

const base = 'http://10.77.0.1:8787/v1/streams/compare-1';

describe('fragment fault', () => {
  it('reads --fail-fragment <viewer>:<n>, the viewer counted from 1 as the logs count them', () => {
    expect(parseFragmentFault('4:2', 4)).toEqual({ viewer: 3, rendition: 'v0', nth: 2 });
    expect(parseFragmentFault(' 1:1 ', 8)).toEqual({ viewer: 0, rendition: 'v0', nth: 1 });
    expect(parseFragmentFault('2:3', 4, 'v1')).toEqual({ viewer: 1, rendition: 'v1', nth: 3 });
  });

  it.each([
    ['4', /<viewer>:<n>/],
    ['0:2', /<viewer>:<n>/],
    ['2:0', /<viewer>:<n>/],
    ['-1:2', /<viewer>:<n>/],
    ['a:2', /<viewer>:<n>/],
    ['2:1.5', /<viewer>:<n>/],
    ['5:2', /only 4 viewers/],
  ])('refuses --fail-fragment %s', (spec, error) => {
    const parsed = parseFragmentFault(spec, 4);
    expect('error' in parsed && parsed.error).toMatch(error);
  });

  it('knows a media fragment of a rendition from its playlists, its init segment and other renditions', () => {
    expect(isRenditionFragment(`${base}/v2/seg-00012.m4s`, 'v2')).toBe(true);
    expect(isRenditionFragment(`${base}/v2/seg-00012.m4s?token=x`, 'v2')).toBe(true);
    expect(isRenditionFragment(`${base}/v2/index.m3u8`, 'v2')).toBe(false);
    expect(isRenditionFragment(`${base}/v2/init.mp4`, 'v2')).toBe(false);
    expect(isRenditionFragment(`${base}/v1/seg-00012.m4s`, 'v2')).toBe(false);
    expect(isRenditionFragment(`${base}/v20/seg-00012.m4s`, 'v2')).toBe(false);
    expect(isRenditionFragment('not a url', 'v2')).toBe(false);
  });

  it('fails exactly the nth fragment request of the rendition, once, and lets its retry and every later one through', () => {
    const plan = fragmentFaultPlan({ rendition: 'v2', nth: 2 });
    const requests = [
      `${base}/master.m3u8`,
      `${base}/v2/index.m3u8`,
      `${base}/v2/init.mp4`,
      `${base}/v2/seg-00010.m4s`, // 1st
      `${base}/v1/seg-00011.m4s`, // another rendition: not counted
      `${base}/v2/index.m3u8`,
      `${base}/v2/seg-00011.m4s`, // 2nd: fails
      `${base}/v2/seg-00011.m4s`, // the same again: through
      `${base}/v2/seg-00012.m4s`,
    ];
    expect(plan.fired()).toBe(false);
    const failed = requests.filter((url) => plan.fails(url));
    expect(failed).toEqual([`${base}/v2/seg-00011.m4s`]);
    expect(plan.fired()).toBe(true);
    expect(Array.from({ length: 20 }, (_, i) => plan.fails(`${base}/v2/seg-${13 + i}.m4s`)).some(Boolean)).toBe(false);
  });

  it('never fires when the viewer asks for fewer fragments of the rendition than n', () => {
    const plan = fragmentFaultPlan({ rendition: 'v2', nth: 3 });
    expect([`${base}/v2/seg-1.m4s`, `${base}/v1/seg-2.m4s`, `${base}/v2/seg-3.m4s`].some(plan.fails)).toBe(false);
    expect(plan.fired()).toBe(false);
  });
});
