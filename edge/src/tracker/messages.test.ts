import { describe, expect, it } from 'vitest';
import { trackerDefaults } from './limits';
import { isTrackerId, parseClientMessage } from './messages';

const id = (c: string) => c.repeat(20);
/** A 20-byte id with high bytes, as bittorrent-tracker's hex2bin produces. */
const binaryId = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => 0xeb - i * 7));
const offer = (n: number) => ({ offer_id: String(n).padStart(20, 'o'), offer: { type: 'offer', sdp: `v=0 ${n}` } });
/** An offer as the parser passes it on: with its id and SDP as the JSON text they came in. */
const parsed = (n: number) => {
  const o = offer(n);
  return { ...o, offerIdJson: JSON.stringify(o.offer_id), sdpJson: JSON.stringify(o.offer.sdp) };
};
const parse = (value: unknown) =>
  parseClientMessage(typeof value === 'string' ? value : JSON.stringify(value), trackerDefaults);

describe('isTrackerId', () => {
  it.each([
    [id('a'), true],
    [binaryId, true],
    ['a'.repeat(19), false],
    ['a'.repeat(21), false],
    ['€'.repeat(20), false], // a code point above 255 is not a byte
    [12345, false],
    [null, false],
  ])('%j → %s', (value, expected) => {
    expect(isTrackerId(value)).toBe(expected);
  });
});

describe('parseClientMessage: accepted', () => {
  it('a stock bittorrent-tracker start announce', () => {
    const result = parse({
      numwant: 5,
      uploaded: 0,
      downloaded: 0,
      event: 'started',
      action: 'announce',
      info_hash: binaryId,
      peer_id: id('p'),
      offers: [offer(1), offer(2)],
    });
    expect(result).toEqual({
      ok: true,
      message: {
        kind: 'announce',
        infoHash: binaryId,
        peerId: id('p'),
        event: 'started',
        numwant: 5,
        complete: false,
        offers: [parsed(1), parsed(2)],
        droppedOffers: 0,
      },
    });
  });

  it.each([
    [undefined, 'update'],
    ['', 'update'],
    ['empty', 'update'],
    ['update', 'update'],
    ['completed', 'completed'],
    ['stopped', 'stopped'],
    ['paused', 'paused'],
  ])('event %j → %s', (event, expected) => {
    const result = parse({ action: 'announce', info_hash: id('i'), peer_id: id('p'), event });
    expect(result.ok && result.message.kind === 'announce' && result.message.event).toBe(expected);
  });

  it('left: 0 is a seeder; absent is a leecher', () => {
    const seeder = parse({ action: 'announce', info_hash: id('i'), peer_id: id('p'), left: 0 });
    const leecher = parse({ action: 'announce', info_hash: id('i'), peer_id: id('p') });
    expect(seeder.ok && seeder.message.kind === 'announce' && seeder.message.complete).toBe(true);
    expect(leecher.ok && leecher.message.kind === 'announce' && leecher.message.complete).toBe(false);
  });

  it('keeps the first 10 offers and counts the rest', () => {
    const offers = Array.from({ length: 13 }, (_, i) => offer(i));
    const result = parse({ action: 'announce', info_hash: id('i'), peer_id: id('p'), offers });
    expect(result.ok).toBe(true);
    if (result.ok && result.message.kind === 'announce') {
      expect(result.message.offers).toEqual(offers.slice(0, 10).map((_, i) => parsed(i)));
      expect(result.message.droppedOffers).toBe(3);
    }
  });

  it("keeps each offer's id and SDP as the client wrote them, its own escapes included", () => {
    const text = `{"action":"announce","info_hash":"${id('i')}","peer_id":"${id('p')}","offers":[
      {"offer_id":"\\u006f${'o'.repeat(19)}","offer":{"type":"offer","sdp":"v=0\\r\\n\\/\\u00e9"}}]}`;
    const result = parseClientMessage(text, trackerDefaults);
    expect(result.ok && result.message.kind === 'announce' && result.message.offers).toEqual([
      {
        offer_id: 'o'.repeat(20),
        offer: { type: 'offer', sdp: 'v=0\r\n/é' },
        offerIdJson: `"\\u006f${'o'.repeat(19)}"`,
        sdpJson: '"v=0\\r\\n\\/\\u00e9"',
      },
    ]);
  });

  it('an answer', () => {
    const result = parse({
      action: 'announce',
      info_hash: id('i'),
      peer_id: id('p'),
      to_peer_id: binaryId,
      answer: { type: 'answer', sdp: 'v=0' },
      offer_id: id('o'),
    });
    expect(result).toEqual({
      ok: true,
      message: {
        kind: 'answer',
        infoHash: id('i'),
        peerId: id('p'),
        toPeerId: binaryId,
        offerId: id('o'),
        answer: { type: 'answer', sdp: 'v=0' },
      },
    });
  });

  it('a scrape of one id or several (deduplicated)', () => {
    expect(parse({ action: 'scrape', info_hash: id('i') })).toEqual({
      ok: true,
      message: { kind: 'scrape', infoHashes: [id('i')] },
    });
    expect(parse({ action: 'scrape', info_hash: [id('i'), id('j'), id('i')] })).toEqual({
      ok: true,
      message: { kind: 'scrape', infoHashes: [id('i'), id('j')] },
    });
  });

  it('binary frames are read as UTF-8 text', () => {
    const frame = new TextEncoder().encode(JSON.stringify({ action: 'scrape', info_hash: id('i') }))
      .buffer as ArrayBuffer;
    expect(parseClientMessage(frame, trackerDefaults).ok).toBe(true);
  });
});

describe('parseClientMessage: refused', () => {
  const base = { action: 'announce', info_hash: id('i'), peer_id: id('p') };
  it.each([
    ['garbage', 'not json at all', /invalid JSON/, undefined],
    ['a JSON array', '[1,2]', /JSON object/, undefined],
    ['a JSON string', '"announce"', /JSON object/, undefined],
    ['null', 'null', /JSON object/, undefined],
    ['unknown action', { action: 'connect' }, /invalid action in WS request: connect/, undefined],
    ['missing action', { info_hash: id('i') }, /invalid action/, undefined],
    ['short info_hash', { ...base, info_hash: 'abc' }, /invalid info_hash/, undefined],
    ['numeric info_hash', { ...base, info_hash: 7 }, /invalid info_hash/, undefined],
    ['bad peer_id', { ...base, peer_id: id('p').slice(1) }, /invalid peer_id/, id('i')],
    ['unknown event', { ...base, event: 'exploded' }, /invalid event: exploded/, id('i')],
    ['event of the wrong type', { ...base, event: 3 }, /invalid event/, id('i')],
    ['numwant as a string', { ...base, numwant: '5' }, /numwant/, id('i')],
    ['negative numwant', { ...base, numwant: -1 }, /numwant/, id('i')],
    ['left as a string', { ...base, left: 'lots' }, /left/, id('i')],
    ['offers not an array', { ...base, offers: { a: 1 } }, /offers: expected an array/, id('i')],
    [
      'offer without sdp',
      { ...base, offers: [{ offer_id: id('o'), offer: { type: 'offer' } }] },
      /offers\[0\]/,
      id('i'),
    ],
    [
      'offer typed as answer',
      { ...base, offers: [{ offer_id: id('o'), offer: { type: 'answer', sdp: 'x' } }] },
      /offers\[0\]/,
      id('i'),
    ],
    [
      'offer with a short offer_id',
      { ...base, offers: [{ offer_id: 'x', offer: { type: 'offer', sdp: 'x' } }] },
      /offers\[0\]/,
      id('i'),
    ],
    [
      'answer without to_peer_id',
      { ...base, answer: { type: 'answer', sdp: 'x' }, offer_id: id('o') },
      /to_peer_id/,
      id('i'),
    ],
    [
      'answer without offer_id',
      { ...base, answer: { type: 'answer', sdp: 'x' }, to_peer_id: id('q') },
      /offer_id/,
      id('i'),
    ],
    [
      'answer of the wrong shape',
      { ...base, answer: 'sdp', to_peer_id: id('q'), offer_id: id('o') },
      /answer/,
      id('i'),
    ],
    ['scrape without info_hash', { action: 'scrape' }, /scrape needs info_hash/, undefined],
    [
      'scrape of too many',
      { action: 'scrape', info_hash: Array.from({ length: 17 }, (_, i) => String(i).padStart(20, 'x')) },
      /at most 16/,
      undefined,
    ],
    ['scrape of a bad id', { action: 'scrape', info_hash: ['x'] }, /invalid info_hash/, undefined],
  ])('%s', (_name, frame, reason, infoHash) => {
    const result = parse(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.infoHash).toBe(infoHash);
    }
  });

  it('an oversize frame, before parsing it', () => {
    const frame = JSON.stringify({ ...base, pad: 'x'.repeat(trackerDefaults.maxMessageBytes) });
    const result = parseClientMessage(frame, trackerDefaults);
    expect(result).toEqual({
      ok: false,
      reason: `message is larger than the ${trackerDefaults.maxMessageBytes}-byte limit`,
    });
  });

  it('counts UTF-8 bytes, not characters', () => {
    const limits = { ...trackerDefaults, maxMessageBytes: 300 };
    const frame = JSON.stringify({ ...base, pad: '€'.repeat(100) }); // ~150 characters, ~350 bytes
    expect(frame.length).toBeLessThan(300);
    expect(parseClientMessage(frame, limits).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ ...base, pad: 'e'.repeat(100) }), limits).ok).toBe(true);
  });

  it('invalid UTF-8 in a binary frame', () => {
    expect(parseClientMessage(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]).buffer, trackerDefaults)).toEqual({
      ok: false,
      reason: 'message is not valid UTF-8',
    });
  });

  it('echoes at most a short prefix of what the client sent', () => {
    const result = parse({ action: 'x'.repeat(5000) });
    expect(!result.ok && result.reason.length).toBeLessThan(80);
  });
});
