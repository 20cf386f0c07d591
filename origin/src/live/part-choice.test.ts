import { describe, expect, it } from 'vitest';
import { choosePartSeconds } from './part-choice';
import { partDefaults } from './publish';

const flags = { parts: false, noParts: false, partSeconds: undefined };

describe('choosePartSeconds', () => {
  it('sends parts of the default length when nothing is said, or --parts alone', () => {
    expect(choosePartSeconds(flags)).toEqual({ ok: true, partSeconds: partDefaults.partSeconds });
    expect(choosePartSeconds({ ...flags, parts: true })).toEqual({ ok: true, partSeconds: 0.5 });
  });

  it('takes --part-seconds with or without --parts', () => {
    expect(choosePartSeconds({ ...flags, partSeconds: '0.2' })).toEqual({ ok: true, partSeconds: 0.2 });
    expect(choosePartSeconds({ parts: true, noParts: false, partSeconds: '1' })).toEqual({ ok: true, partSeconds: 1 });
  });

  it('sends whole segments only with --no-parts', () => {
    expect(choosePartSeconds({ ...flags, noParts: true })).toEqual({ ok: true, partSeconds: undefined });
  });

  it('refuses flags that contradict each other, naming them', () => {
    expect(choosePartSeconds({ ...flags, parts: true, noParts: true })).toEqual({
      ok: false,
      reason: '--parts and --no-parts contradict each other',
    });
    expect(choosePartSeconds({ ...flags, noParts: true, partSeconds: '0.5' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('--part-seconds is for parts'),
    });
  });

  it.each(['abc', '', ' ', '0', '-0.5', 'Infinity', 'NaN'])('refuses --part-seconds %j', (written) => {
    expect(choosePartSeconds({ ...flags, partSeconds: written })).toEqual({
      ok: false,
      reason: `--part-seconds must be a positive number of seconds, not ${written}`,
    });
  });
});
