import { describe, expect, it } from 'vitest';
import { isDiskFull, OriginError, QueueFullError } from './errors';

describe('isDiskFull', () => {
  it('is the ENOSPC of a failed write, and nothing else', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(isDiskFull(full)).toBe(true);
    expect(isDiskFull(Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toBe(false);
    expect(isDiskFull(new Error('ENOSPC in a message only'))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
    expect(isDiskFull('ENOSPC')).toBe(false);
  });

  it('a full queue is an origin error the CLI prints plainly, not worth retrying as it is', () => {
    const error = new QueueFullError('the queue folder q is full');
    expect(error).toBeInstanceOf(OriginError);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe('QueueFullError');
  });
});
