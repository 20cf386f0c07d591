import { describe, expect, it } from 'vitest';
import { tabHeapOf } from './tab-heap';

describe('tabHeapOf', () => {
  it('reads the heap in use and the array buffers in MB', () => {
    expect(tabHeapOf({ usedSize: 12_345_678, totalSize: 20e6, backingStorageSize: 3_000_000 })).toEqual({
      usedMb: 12.35,
      arrayBuffersMb: 3,
    });
    expect(tabHeapOf({ usedSize: 1e6 })).toEqual({ usedMb: 1 });
  });

  it('is undefined without a heap figure', () => {
    expect(tabHeapOf({})).toBeUndefined();
  });
});
