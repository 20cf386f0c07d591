/**
 * Signed playback with P2P: two viewers of a protected live stream, each with a token of its own given to the
 * player (in the watch page's URL, so the player carries it on its own requests; no cookie), play and exchange
 * segments over WebRTC in one swarm; a third viewer without a token is refused. Real Chromium in a private network
 * namespace, our edge and tracker on workerd.
 */
import { describe, expect, it } from 'vitest';
import { runInNamespace } from './cohort/in-namespace';
import { formatSwarm } from './swarm';

describe('signed playback with P2P', () => {
  it('viewers with different tokens share one swarm; a viewer without a token is refused', async () => {
    const result = await runInNamespace(
      { task: 'swarm', options: { viewers: 3, seconds: 14, stream: 'signed-p2p', tokens: [true, true, false] } },
      { timeoutMs: 100_000 },
    );
    console.log(formatSwarm(result));
    const [first, second, refused] = result.viewers;
    for (const viewer of [first, second]) {
      expect(viewer?.errors, `viewer ${viewer?.viewer}`).toEqual([]);
      expect(viewer?.startupMs, `viewer ${viewer?.viewer} started`).not.toBeNull();
    }
    // The second viewer (a different token) took segments from the first, through the one token-free swarm.
    expect(second?.p2pSegments, 'P2P segments of the second viewer').toBeGreaterThan(0);
    expect(refused?.startupMs ?? null, 'the viewer without a token started').toBeNull();
    expect(refused?.errors.join(' ')).toMatch(/manifestLoadError/);
    expect((refused?.httpBytes ?? 0) + (refused?.p2pBytes ?? 0)).toBe(0);
  }, 120_000);
});
