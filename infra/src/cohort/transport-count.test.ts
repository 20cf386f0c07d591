import { describe, expect, it } from 'vitest';
import {
  commandKinds,
  madeAfterHolding,
  messageTotal,
  summariseTransport,
  toTransportCount,
  transportCountScript,
} from './transport-count';

const count = {
  connections: 9,
  connected: 7,
  connectionSeconds: 770.5,
  sent: { announcement: 220, request: 55 },
  received: { announcement: 260, data: 55, chunk: 92, done: 55 },
  bytesSent: 140_000,
  bytesReceived: 3_760_000,
  madeAtMs: [3_100, 3_105, 3_110, 3_120, 3_125, 9_000, 33_200, 33_210, 60_050],
  heldAtOnceMs: [4_000, 4_300, 31_000],
};

describe("a viewer's transport count", () => {
  it('reads a count as the page gives it, and nothing else', () => {
    expect(toTransportCount(count)).toEqual(count);
    expect(toTransportCount({ ...count, extra: 'dropped' })).toEqual(count);
    expect(toTransportCount(null)).toBeNull();
    expect(toTransportCount('a count')).toBeNull();
    expect(toTransportCount({ ...count, connections: -1 })).toBeNull();
    expect(toTransportCount({ ...count, connectionSeconds: Number.NaN })).toBeNull();
    expect(toTransportCount({ ...count, sent: { announcement: 'many' } })).toBeNull();
    expect(toTransportCount({ ...count, received: undefined })).toBeNull();
    expect(toTransportCount({ ...count, madeAtMs: undefined })).toBeNull();
    expect(toTransportCount({ ...count, madeAtMs: [1, -2] })).toBeNull();
    expect(toTransportCount({ ...count, heldAtOnceMs: '4000' })).toBeNull();
    expect(toTransportCount({ ...count, heldAtOnceMs: [Number.POSITIVE_INFINITY] })).toBeNull();
  });

  it('counts the connections made after the page first held so many at once, and none if it never did', () => {
    // Made at 3.1-3.125 s (a first announce's 5) and 9 s; 3 held at once from 31 s; 3 made after (33.2, 33.21, 60.05 s).
    expect(madeAfterHolding(count, 3)).toBe(3);
    expect(madeAfterHolding(count, 1)).toBe(4);
    expect(madeAfterHolding(count, 4)).toBeNull();
    expect(madeAfterHolding({ madeAtMs: [], heldAtOnceMs: [] }, 1)).toBeNull();
    // A count from a run before the times were kept.
    expect(madeAfterHolding({}, 1)).toBeNull();
    // One made in the same ms as the hold began was made before it connected, not after.
    expect(madeAfterHolding({ madeAtMs: [10, 20], heldAtOnceMs: [20] }, 1)).toBe(0);
  });

  it('totals the messages one way', () => {
    expect(messageTotal(count.received)).toBe(462);
    expect(messageTotal({})).toBe(0);
  });

  it("names p2p-media-loader's commands in its enum's order, and the script is one expression a page can run", () => {
    expect(commandKinds[0]).toBe('announcement');
    expect(commandKinds[2]).toBe('data');
    expect(() => new Function(transportCountScript)).not.toThrow();
    expect(transportCountScript).toContain(JSON.stringify(commandKinds));
  });
});

describe("a cohort's transport per viewer", () => {
  it('means connections made, connections held at a time, and messages besides chunks, over counted viewers', () => {
    const other = { ...count, connections: 3, connectionSeconds: 100, sent: { request: 5 }, received: { chunk: 9 } };
    expect(
      summariseTransport([
        { transport: count, watchedSeconds: 110 },
        { transport: other, watchedSeconds: 50 },
        { watchedSeconds: 120 },
      ]),
    ).toEqual({ made: 6, held: (770.5 / 110 + 2) / 2, messagesSent: (275 + 5) / 2, messagesReceived: (370 + 0) / 2 });
    // A viewer that watched nothing held nothing.
    expect(summariseTransport([{ transport: count, watchedSeconds: 0 }])?.held).toBe(0);
    expect(summariseTransport([{ watchedSeconds: 120 }])).toBeNull();
  });
});
