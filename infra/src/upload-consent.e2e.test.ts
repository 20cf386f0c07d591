/**
 * Privacy controls for real: a viewer whose page says p2p-upload="consent" uploads nothing to its peers until the
 * page calls the element's allowUpload(), then uploads. Three headless Chromium viewers in a private network
 * namespace, our edge and tracker on workerd; the consenting viewer joins first, so it is the one the others would
 * have taken from.
 */
import { describe, expect, it } from 'vitest';
import { runInNamespace } from './cohort/in-namespace';
import { formatSwarm } from './swarm';

const consentAfterSeconds = 6;

describe('p2p-upload="consent"', () => {
  it('uploads nothing until allowUpload(), then uploads', async () => {
    const result = await runInNamespace(
      {
        task: 'swarm',
        options: {
          viewers: 3,
          seconds: 18,
          stream: 'upload-consent',
          uploadConsent: { viewer: 0, afterSeconds: consentAfterSeconds },
        },
      },
      { timeoutMs: 100_000 },
    );
    console.log(formatSwarm(result));
    const consentAt = (result.options.viewers - 1) * result.options.staggerSeconds + consentAfterSeconds;
    const before = result.samples.filter((s) => s.t < consentAt && s.viewers[0]);
    expect(before.length, 'samples of the consenting viewer before consent').toBeGreaterThan(3);
    for (const sample of before) {
      expect(sample.viewers[0]?.uploadedBytes, `uploaded before consent, at ${sample.t.toFixed(1)} s`).toBe(0);
    }
    for (const viewer of result.viewers) {
      expect(viewer.errors, `viewer ${viewer.viewer}`).toEqual([]);
      expect(viewer.stalls, `viewer ${viewer.viewer} stalls`).toBe(0);
    }
    // The swarm did without it meanwhile, and after consent it serves too.
    expect(result.viewers.slice(1).reduce((sum, v) => sum + v.p2pSegments, 0)).toBeGreaterThan(0);
    expect(result.viewers[0]?.uploadedBytes, 'uploaded after consent').toBeGreaterThan(0);
  }, 120_000);
});
