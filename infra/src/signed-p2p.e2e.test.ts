/**
 * Who may play and who uploads, with P2P, in one swarm of real Chromium viewers in a private network namespace, our
 * edge and tracker on workerd:
 *
 * - Signed playback: a protected live stream; three viewers each with a token of its own given to the player (in the
 *   watch page's URL, so the player carries it on its own requests; no cookie) play and exchange segments over WebRTC
 *   in one swarm; a fourth viewer without a token is refused.
 * - Upload consent: the first viewer's page says p2p-upload="consent", so it uploads nothing to its peers until the
 *   page calls the element's allowUpload(), then uploads. It joins first, so it is the one the others would have
 *   taken from.
 *
 * One swarm for both (they were a swarm each, #13: npm test's time); every check of each is here.
 */
import { describe, expect, it } from 'vitest';
import { runInNamespace } from './cohort/in-namespace';
import { formatSwarm } from './swarm';

const consentAfterSeconds = 6;

describe('signed playback with P2P, and p2p-upload="consent"', () => {
  it('viewers with different tokens share one swarm, a viewer without a token is refused; the consenting viewer uploads nothing until allowUpload(), then uploads', async () => {
    const result = await runInNamespace(
      {
        task: 'swarm',
        options: {
          viewers: 4,
          seconds: 18,
          stream: 'signed-p2p',
          tokens: [true, true, true, false],
          uploadConsent: { viewer: 0, afterSeconds: consentAfterSeconds },
        },
      },
      { timeoutMs: 110_000 },
    );
    console.log(formatSwarm(result));
    const [consenting, second, third, refused] = result.viewers;
    const playing = [consenting, second, third];
    for (const viewer of playing) {
      expect(viewer?.errors, `viewer ${viewer?.viewer}`).toEqual([]);
      expect(viewer?.startupMs, `viewer ${viewer?.viewer} started`).not.toBeNull();
      expect(viewer?.stalls, `viewer ${viewer?.viewer} stalls`).toBe(0);
    }
    // Every viewer has a token of its own: segments between them went through the one token-free swarm.
    expect((second?.p2pSegments ?? 0) + (third?.p2pSegments ?? 0), 'P2P segments of the later viewers').toBeGreaterThan(
      0,
    );
    expect(refused?.startupMs ?? null, 'the viewer without a token started').toBeNull();
    expect(refused?.errors.join(' ')).toMatch(/manifestLoadError/);
    expect((refused?.httpBytes ?? 0) + (refused?.p2pBytes ?? 0)).toBe(0);

    // Consent: nothing uploaded before it, something after.
    const consentAt = (result.options.viewers - 1) * result.options.staggerSeconds + consentAfterSeconds;
    const before = result.samples.filter((s) => s.t < consentAt && s.viewers[0]);
    expect(before.length, 'samples of the consenting viewer before consent').toBeGreaterThan(3);
    for (const sample of before) {
      expect(sample.viewers[0]?.uploadedBytes, `uploaded before consent, at ${sample.t.toFixed(1)} s`).toBe(0);
    }
    expect(consenting?.uploadedBytes, 'uploaded after consent').toBeGreaterThan(0);
  }, 130_000);
});
