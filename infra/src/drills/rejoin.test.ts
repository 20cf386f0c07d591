import { describe, expect, it } from 'vitest';
import type { SocketEvent } from './page-counters';
import { percentileOf, viewerRejoin } from './rejoin';

const tracker = 'ws://127.0.0.1:8787/v1/tracker/s?region=eu';
const e = (socket: number, kind: SocketEvent['kind'], at: number, url = tracker): SocketEvent => ({
  socket,
  url,
  kind,
  at,
});

describe('viewerRejoin', () => {
  it('is back when the dropped socket is replaced and its re-announce answered', () => {
    const events = [
      e(1, 'open', 100),
      e(1, 'message', 150),
      e(1, 'close', 1200),
      e(2, 'open', 2600),
      e(2, 'message', 2620),
    ];
    expect(viewerRejoin(events, 1000)).toEqual({ dropped: 1, backMs: 1620 });
  });

  it('is not back while a replacement has not been answered, or not opened', () => {
    expect(viewerRejoin([e(1, 'open', 100), e(1, 'close', 1200), e(2, 'open', 2600)], 1000)).toEqual({ dropped: 1 });
    expect(viewerRejoin([e(1, 'open', 100), e(1, 'close', 1200)], 1000)).toEqual({ dropped: 1 });
  });

  it('waits for every dropped tracker socket, and ignores other sockets and earlier closes', () => {
    const other = 'ws://127.0.0.1:8787/elsewhere';
    const events = [
      e(1, 'open', 100),
      e(2, 'open', 100),
      e(3, 'open', 100, other),
      e(9, 'open', 50),
      e(9, 'close', 60),
      e(1, 'close', 1100),
      e(2, 'close', 1100),
      e(3, 'close', 1100, other),
      e(4, 'open', 2000),
      e(4, 'message', 2010),
      e(5, 'open', 2900),
      e(5, 'message', 2950),
    ];
    expect(viewerRejoin(events, 1000)).toEqual({ dropped: 2, backMs: 1950 });
    // Read before the second answer: not back yet.
    expect(viewerRejoin(events, 1000, 2500)).toEqual({ dropped: 2 });
  });

  it('says nothing was dropped when no tracker socket closed after the restart', () => {
    expect(viewerRejoin([e(1, 'open', 100), e(1, 'message', 120)], 1000)).toEqual({ dropped: 0 });
  });
});

describe('percentileOf', () => {
  it('is nearest-rank over any order', () => {
    expect(percentileOf([3, 1, 2, 4], 95)).toBe(4);
    expect(percentileOf([3, 1, 2, 4], 50)).toBe(2);
    expect(percentileOf([], 95)).toBeNaN();
  });
});
