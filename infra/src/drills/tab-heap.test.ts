import { describe, expect, it } from 'vitest';
import { markedProcessesOf, processDumpsOf, tabHeapOf, tabMark } from './tab-heap';

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

describe('processDumpsOf', () => {
  const dump = (pid: number, footprint: string, buffer?: string) => ({
    ph: 'v',
    pid,
    name: 'periodic_interval',
    args: {
      dumps: {
        process_totals: { private_footprint_bytes: footprint, resident_set_bytes: 'ffffff' },
        allocators: {
          ...(buffer
            ? {
                'partition_alloc/partitions/buffer': {
                  attrs: { size: { type: 'scalar', units: 'bytes', value: buffer } },
                },
              }
            : {}),
          malloc: { attrs: { size: { type: 'scalar', units: 'bytes', value: '100000' } } },
        },
      },
    },
  });

  it("reads each process's private footprint and Blink's buffer partition, MB, from the hex sizes", () => {
    const dumps = processDumpsOf([
      dump(321, '3e8f5c0', '129ab40'), // 65.6 MB, 19.5 MB
      dump(122, '3fb3d40'),
      { ph: 'M', pid: 321, name: 'process_name', args: { name: 'Renderer' } },
    ]);
    expect(dumps.get(321)).toEqual({ footprintMb: 65.6, bufferPartitionMb: 19.51 });
    expect(dumps.get(122)).toEqual({ footprintMb: 66.8 });
    expect(dumps.size).toBe(2);
  });

  it("merges a process's totals and allocators when they come in separate events", () => {
    const totals = { ph: 'v', pid: 7, args: { dumps: { process_totals: { private_footprint_bytes: '1e84800' } } } };
    const allocators = {
      ph: 'v',
      pid: 7,
      args: {
        dumps: { allocators: { 'partition_alloc/partitions/buffer': { attrs: { size: { value: '3d0900' } } } } },
      },
    };
    expect(processDumpsOf([allocators, totals]).get(7)).toEqual({ footprintMb: 32, bufferPartitionMb: 4 });
    expect(processDumpsOf([totals, allocators]).get(7)).toEqual({ footprintMb: 32, bufferPartitionMb: 4 });
  });

  it('leaves out events that are not a process dump with a footprint', () => {
    expect(processDumpsOf([{ ph: 'v', pid: 5, args: { dumps: {} } }, { ph: 'X', pid: 6 }, { ph: 'v' }]).size).toBe(0);
  });
});

describe('markedProcessesOf', () => {
  // As the headless shell traces `blink.user_timing` (2026-12-02): the mark's name, and the renderer's pid.
  const mark = (name: string, pid: number) => ({
    args: { data: { callTime: 59836850933, navigationId: '937F722B', startTime: 164.1 } },
    cat: 'blink.user_timing',
    name,
    ph: 'I',
    pid,
    tid: pid,
  });

  it("finds each page's renderer by the mark it made, in page order", () => {
    const pids = markedProcessesOf(
      [
        { name: 'process_name', ph: 'M', pid: 100, args: { name: 'Browser' } },
        mark(tabMark(2), 330),
        mark(tabMark(0), 321),
        mark('someone-else', 999),
      ],
      3,
    );
    expect(pids).toEqual([321, undefined, 330]);
  });

  it('finds nothing for a page whose mark is not in the trace, or in a trace without pids', () => {
    expect(markedProcessesOf([{ name: tabMark(0) }], 2)).toEqual([undefined, undefined]);
    expect(markedProcessesOf([], 0)).toEqual([]);
  });
});
