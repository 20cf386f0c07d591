import { describe, expect, it } from 'vitest';
import { loadId, percentile } from './tracker-load';
import { listeningPorts, parseStat } from './tracker-proc';

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, Number.NaN],
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 100, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
  ])('%j p%i → %d', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });
});

describe('loadId', () => {
  it('is 20 printable characters and distinct per number', () => {
    expect(loadId('peer-', 0)).toHaveLength(20);
    expect(loadId('peer-', 35)).not.toBe(loadId('peer-', 36));
    expect(loadId('peer-', 123456)).toMatch(/^[ -~]{20}$/);
  });
});

describe('/proc parsing', () => {
  it('reads command and process group, even with spaces and parentheses in the command', () => {
    const stat = '4242 (work (er) d) S 1 777 778 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 4 0 123456 0 0';
    expect(parseStat(stat)).toEqual({
      command: 'work (er) d',
      state: 'S',
      parentPid: 1,
      processGroup: 777,
      session: 778,
      startTicks: 123456,
    });
  });

  it('finds listening ports by socket inode', () => {
    const netTcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:A4C9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51234 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:A4C9 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 51240 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(listeningPorts(netTcp)).toEqual(new Map([['51234', 0xa4c9]]));
  });
});
