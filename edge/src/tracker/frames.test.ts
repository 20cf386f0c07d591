/**
 * The hand-built frames against what `JSON.stringify` made of the same message
 * objects before (the old engine's output): the same bytes, and so the same
 * message when parsed, whatever the strings hold.
 */
import { describe, expect, it } from 'vitest';
import { answerFrame, countsFrame, jsonString, messageFrame, offerFrame, offerFrameTail } from './frames';
import { trackerDefaults } from './limits';
import { TrackerEngine } from './tracker-engine';

/** Strings that need escaping, or that an escaper could get wrong. */
const awkwardStrings = [
  'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n',
  'quotes " and "" and \\" inside',
  'backslashes \\ \\\\ \\\\\\ and a trailing one \\',
  'a "key":"value", {"sdp":"x"} lookalike',
  Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join(''), // every control character
  '\u007f\u0080\u00ff delete and high bytes',
  'unicode: é ß 漢字 😀 and \u2028 \u2029 separators',
  'lone surrogates \ud800 and \udfff, a pair \ud83d\ude00',
  '</script><script>alert(1)</script>',
  '',
];

/** A 20-byte binary id as bittorrent-tracker's hex2bin makes one: any byte, quotes and backslashes included. */
const binaryId = String.fromCharCode(
  0,
  1,
  0x22,
  0x5c,
  0x7f,
  0x80,
  0xff,
  0x0a,
  0x0d,
  0x09,
  ...'0123456789'.split('').map((c) => c.charCodeAt(0)),
);

const ids = ['-PM0203-abcdefghijkl', binaryId, 'propertyIsEnumerable'];

describe('hand-built frames', () => {
  it('a relayed offer is byte for byte the old JSON.stringify of its message', () => {
    for (const sdp of awkwardStrings) {
      for (const offerId of ids) {
        for (const peerId of ids) {
          for (const infoHash of ids) {
            const old = JSON.stringify({
              action: 'announce',
              offer: { type: 'offer', sdp },
              offer_id: offerId,
              peer_id: peerId,
              info_hash: infoHash,
            });
            const frame = offerFrame(
              jsonString(sdp),
              jsonString(offerId),
              offerFrameTail(jsonString(peerId), jsonString(infoHash)),
            );
            expect(frame).toBe(old);
            expect(JSON.parse(frame)).toEqual(JSON.parse(old));
          }
        }
      }
    }
  });

  it('a relayed answer is byte for byte the old JSON.stringify of its message', () => {
    for (const sdp of awkwardStrings) {
      for (const id of ids) {
        const old = JSON.stringify({
          action: 'announce',
          answer: { type: 'answer', sdp },
          offer_id: id,
          peer_id: ids[0],
          info_hash: id,
        });
        expect(answerFrame(sdp, id, ids[0] as string, jsonString(id))).toBe(old);
      }
    }
  });

  it('the counts reply, with and without a warning and forwards_offers, is JSON.stringify of its message', () => {
    for (const infoHash of ids) {
      for (const [interval, complete, incomplete] of [
        [30, 0, 1],
        [120, 7, 12_345],
        [0.5, 0, 0],
      ] as const) {
        const counts = { action: 'announce', interval, info_hash: infoHash, complete, incomplete };
        expect(countsFrame(interval, jsonString(infoHash), complete, incomplete)).toBe(JSON.stringify(counts));
        for (const warning of awkwardStrings) {
          expect(countsFrame(interval, jsonString(infoHash), complete, incomplete, warning)).toBe(
            JSON.stringify({ ...counts, 'warning message': warning }),
          );
        }
        for (const forwards of [true, false]) {
          const said = { ...counts, forwards_offers: forwards };
          const quoted = jsonString(infoHash);
          expect(countsFrame(interval, quoted, complete, incomplete, undefined, forwards)).toBe(JSON.stringify(said));
          expect(countsFrame(interval, quoted, complete, incomplete, 'w', forwards)).toBe(
            JSON.stringify({ ...said, 'warning message': 'w' }),
          );
          for (const named of [
            { count: 2, self: true },
            { count: 3, self: false },
          ]) {
            const naming = { ...said, named_members: named.count, named: named.self };
            expect(countsFrame(interval, quoted, complete, incomplete, undefined, forwards, named)).toBe(
              JSON.stringify(naming),
            );
            expect(countsFrame(interval, quoted, complete, incomplete, 'w', forwards, named)).toBe(
              JSON.stringify({ ...naming, 'warning message': 'w' }),
            );
          }
        }
      }
    }
  });

  it('any other message is JSON.stringify of itself', () => {
    const failure = { 'failure reason': awkwardStrings[1] as string, action: 'announce' as const, info_hash: binaryId };
    expect(messageFrame(failure)).toBe(JSON.stringify(failure));
  });
});

describe('the engine sends what it sent before', () => {
  /** The frames the engine makes when `b`'s SDPs and ids are these, next to the messages the old engine stringified. */
  function relay(sdp: string, infoHash: string, frameOf: (message: object) => string = JSON.stringify) {
    const engine = new TrackerEngine<string>(trackerDefaults, 7);
    for (const socket of ['a', 'b']) engine.connect(socket, { shard: 'eu', colo: 'FRA', country: 'DE', asn: 1 }, 0);
    const announce = { action: 'announce', info_hash: infoHash, peer_id: ids[0], event: 'started' };
    engine.receive('a', frameOf(announce), 0);
    const offers = [{ offer_id: binaryId, offer: { type: 'offer', sdp } }];
    const out = engine.receive('b', frameOf({ ...announce, peer_id: ids[2], offers }), 0);
    const answer = {
      action: 'announce',
      info_hash: infoHash,
      peer_id: ids[0],
      to_peer_id: ids[2],
      offer_id: binaryId,
      answer: { type: 'answer', sdp },
    };
    const answered = engine.receive('a', frameOf(answer), 0);
    return {
      frames: [...out.send, ...answered.send].map((s) => s.frame),
      old: [
        JSON.stringify({
          action: 'announce',
          interval: 30,
          info_hash: infoHash,
          complete: 0,
          incomplete: 2,
          forwards_offers: false,
        }),
        JSON.stringify({
          action: 'announce',
          offer: offers[0]?.offer,
          offer_id: binaryId,
          peer_id: ids[2],
          info_hash: infoHash,
        }),
        JSON.stringify({
          action: 'announce',
          answer: answer.answer,
          offer_id: binaryId,
          peer_id: ids[0],
          info_hash: infoHash,
        }),
      ],
    };
  }

  it('from a client that stringifies its frames (as stock clients do): the same bytes', () => {
    for (const sdp of awkwardStrings.filter((s) => s !== '')) {
      for (const infoHash of ids) {
        const { frames, old } = relay(sdp, infoHash);
        expect(frames).toEqual(old);
      }
    }
  });

  it('from a client that escapes more than it must: the same messages, its own escapes kept', () => {
    // Every character of every string as \uXXXX, and whitespace between tokens: still JSON, still the same values.
    const escapeAll = (value: string) =>
      `"${[...Array(value.length).keys()].map((i) => `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;
    const frameOf = (message: object): string =>
      JSON.stringify(message, null, 1).replace(/"(?:[^"\\]|\\.)*"/g, (literal) => escapeAll(JSON.parse(literal)));
    for (const sdp of awkwardStrings.filter((s) => s !== '')) {
      const { frames, old } = relay(sdp, binaryId, frameOf);
      expect(frames.map((f) => JSON.parse(f))).toEqual(old.map((f) => JSON.parse(f)));
      // The offer's SDP and id went out as the client wrote them; everything else as JSON.stringify writes it.
      expect(frames[1]).toContain(escapeAll(sdp));
      expect(frames[1]).toContain(`"peer_id":${JSON.stringify(ids[2])}`);
    }
  });
});
