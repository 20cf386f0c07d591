import { describe, expect, it } from 'vitest';
import { compiledCodeKind, heapBytes, heapGrowth, summarizeSnapshot } from './heap-snapshot';

/** A V8 snapshot's shape, with nodes given as [type, name, self size]. */
function snapshot(nodes: [string, string, number][]) {
  const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'native'];
  const strings: string[] = [];
  const at = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [types] } },
    nodes: nodes.flatMap(([type, name, size], id) => [types.indexOf(type), at(name), id, size, 0]),
    strings,
  };
}

describe('summarizeSnapshot', () => {
  it('sums objects by constructor and strings by type alone', () => {
    const kinds = summarizeSnapshot(
      JSON.stringify(
        snapshot([
          ['object', 'Map', 40],
          ['object', 'Map', 40],
          ['object', 'Peer', 100],
          ['string', 'hello', 24],
          ['string', 'world!', 32],
          ['closure', 'onMessage', 32],
        ]),
      ),
    );
    expect(kinds.get('object Map')).toEqual({ count: 2, bytes: 80 });
    expect(kinds.get('object Peer')).toEqual({ count: 1, bytes: 100 });
    expect(kinds.get('string')).toEqual({ count: 2, bytes: 56 });
    expect(kinds.get('closure onMessage')).toEqual({ count: 1, bytes: 32 });
  });
});

describe('heapGrowth', () => {
  it('lists what grew most first, new kinds included, and what shrank last', () => {
    const before = summarizeSnapshot(
      snapshot([
        ['object', 'Peer', 100],
        ['object', 'Map', 40],
        ['string', 'a', 1000],
      ]),
    );
    const after = summarizeSnapshot(
      snapshot([
        ['object', 'Peer', 100],
        ['object', 'Peer', 100],
        ['object', 'Peer', 100],
        ['object', 'Offer', 50],
        ['object', 'Map', 40],
        ['string', 'a', 10],
      ]),
    );
    expect(heapGrowth(before, after)).toEqual([
      { kind: 'object Peer', count: 3, countDelta: 2, bytes: 300, bytesDelta: 200 },
      { kind: 'object Offer', count: 1, countDelta: 1, bytes: 50, bytesDelta: 50 },
      { kind: 'object Map', count: 1, countDelta: 0, bytes: 40, bytesDelta: 0 },
      { kind: 'string', count: 1, countDelta: 0, bytes: 10, bytesDelta: -990 },
    ]);
    expect(heapGrowth(before, after, 1)).toHaveLength(1);
  });
});

describe('heapBytes', () => {
  it("sums every kind, and every kind but V8's compiled code", () => {
    const kinds = summarizeSnapshot(
      snapshot([
        ['code', 'renderLivePlaylist', 300],
        ['code', '', 200],
        ['object', 'Map', 40],
        ['string', 'a', 24],
        ['native', 'system / JSArrayBufferData', 1000],
      ]),
    );
    expect(kinds.get(compiledCodeKind)).toEqual({ count: 2, bytes: 500 });
    expect(heapBytes(kinds)).toEqual({ total: 1564, code: 500, withoutCode: 1064 });
  });

  it('is all the heap where nothing is compiled code', () => {
    expect(heapBytes(summarizeSnapshot(snapshot([['object', 'Peer', 100]])))).toEqual({
      total: 100,
      code: 0,
      withoutCode: 100,
    });
    expect(heapBytes(new Map())).toEqual({ total: 0, code: 0, withoutCode: 0 });
  });
});
