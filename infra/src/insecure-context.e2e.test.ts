/**
 * P2P on a page that is not a secure context, as on a plain-http site: each viewer's Chromium runs in a network
 * namespace of its own and loads the watch page from the edge's non-loopback address over http, not through the
 * `.localhost` alias the other harnesses use (browser.ts secureAliasFor), so there is no Web Crypto. The player
 * checks segments from peers with its bundled SHA-256: P2P works, nothing honest is refused, and the offload the
 * viewers report matches what the edge's own count of bytes served says, within 5 points.
 */
import { describe, expect, it } from 'vitest';
import { runInNamespace } from './cohort/in-namespace';
import { linkProfiles, viewerLink } from './link-profiles';
import { formatSwarm } from './swarm';

describe('P2P without a secure context', () => {
  it('works with the bundled SHA-256, and the reported offload matches the edge count within 5%', async () => {
    const viewers = 3;
    const result = await runInNamespace(
      {
        task: 'swarm',
        options: {
          viewers,
          seconds: 16,
          stream: 'insecure-context',
          links: Array.from({ length: viewers }, () => viewerLink('fibre', linkProfiles.fibre)),
          secureContext: false,
          edgeCount: true,
        },
      },
      { timeoutMs: 110_000 },
    );
    console.log(formatSwarm(result));
    for (const viewer of result.viewers) {
      expect(viewer.secureContext, `viewer ${viewer.viewer} in a secure context`).toBe(false);
      expect(viewer.warnings?.join(' '), `viewer ${viewer.viewer} warnings`).toMatch(/bundled SHA-256/);
      expect(viewer.errors, `viewer ${viewer.viewer}`).toEqual([]);
      expect(viewer.integrityFailures, `viewer ${viewer.viewer} refused honest segments`).toBe(0);
    }
    expect(
      result.viewers.slice(1).reduce((sum, v) => sum + v.p2pSegments, 0),
      'P2P segments',
    ).toBeGreaterThan(0);

    const used = result.viewers.reduce((sum, v) => sum + v.httpBytes + v.p2pBytes, 0);
    const reported = (100 * result.viewers.reduce((sum, v) => sum + v.p2pBytes, 0)) / used;
    const served = result.edgeServedBytes ?? Number.NaN;
    const byEdge = 100 * (1 - served / used);
    console.log(
      `offload: reported ${reported.toFixed(1)}%, by the edge's count ${byEdge.toFixed(1)}% (served ${served} B of ${used} B used)`,
    );
    expect(reported).toBeGreaterThan(0);
    expect(Math.abs(reported - byEdge), 'reported vs edge-counted offload, points').toBeLessThanOrEqual(5);
  }, 130_000);
});
