import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, retryDefaults } from './retry';

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the maximum', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, 0.999999));
    expect(ceilings).toEqual([249, 499, 999, 1999, 3999, 7999, 7999, 7999]);
  });

  it('is jittered down to zero', () => {
    expect(backoffDelay(3, 0)).toBe(0);
    expect(backoffDelay(3, 0.5)).toBe(1000);
  });

  it('takes a policy', () => {
    expect(backoffDelay(2, 0.5, { ...retryDefaults, baseMs: 10, maxMs: 30 })).toBe(15);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [409, false],
    [413, false],
  ])('%i → %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});
