/**
 * offer-literals.ts finds token boundaries only: checked against JSON.parse on
 * stock frames, on the awkward cases one by one, and on thousands of random
 * frames written in every way JSON allows.
 */
import { describe, expect, it } from 'vitest';
import { type OfferLiterals, offerLiterals } from './offer-literals';

/** What offerLiterals should find in `text`, from JSON.parse's reading of it. */
function expected(text: string): OfferLiterals[] | undefined {
  const data: unknown = JSON.parse(text);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data) || !Array.isArray(data.offers)) return undefined;
  return data.offers.map((offer: unknown) => {
    if (!isObject(offer)) return { offerId: undefined, sdp: undefined };
    const sdp = isObject(offer.offer) && typeof offer.offer.sdp === 'string' ? offer.offer.sdp : undefined;
    return { offerId: typeof offer.offer_id === 'string' ? offer.offer_id : undefined, sdp };
  });
}

/** offerLiterals' finds, each literal read back with JSON.parse (a literal must be one whole string token). */
function found(text: string) {
  return offerLiterals(text)?.map(({ offerId, sdp }) => ({
    offerId: offerId === undefined ? undefined : (JSON.parse(offerId) as string),
    sdp: sdp === undefined ? undefined : (JSON.parse(sdp) as string),
  }));
}

const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na="quoted" \\ back\\slash\r\n';

describe('offerLiterals', () => {
  it('a stock announce: each offer_id and sdp exactly as JSON.stringify wrote them', () => {
    const offers = Array.from({ length: 5 }, (_, i) => ({
      offer_id: `offer-${i}`.padEnd(20, '_'),
      offer: { type: 'offer', sdp: `${sdp}${i}` },
    }));
    const text = JSON.stringify({
      action: 'announce',
      info_hash: 'i'.repeat(20),
      peer_id: 'p'.repeat(20),
      numwant: 5,
      offers,
    });
    expect(offerLiterals(text)).toEqual(
      offers.map((o) => ({ offerId: JSON.stringify(o.offer_id), sdp: JSON.stringify(o.offer.sdp) })),
    );
  });

  it.each([
    ['whitespace everywhere', ' \n{ "offers" :\t[ { "offer_id" : "a" , "offer" : { "sdp" : "s" } } ] }\r\n'],
    ['escaped keys', '{"off\\u0065rs":[{"offer\\u005fid":"a","\\u006ffer":{"s\\u0064p":"s"}}]}'],
    ['escapes in values', '{"offers":[{"offer_id":"\\"\\\\","offer":{"sdp":"\\\\\\"\\u0041\\/\\n"}}]}'],
    ['a value ending in backslashes', '{"offers":[{"offer_id":"a\\\\\\\\","offer":{"sdp":"b\\\\"}}]}'],
    [
      'repeated keys: the last counts',
      '{"offers":[],"offers":[{"offer":{"sdp":"x"},"offer_id":"1","offer_id":"2","offer":{"sdp":"y","sdp":"z"}}]}',
    ],
    [
      'a repeated key whose last value is not a string',
      '{"offers":[{"offer_id":"1","offer_id":7,"offer":{"sdp":"y"},"offer":null}]}',
    ],
    [
      'lookalikes inside strings',
      '{"x":"\\"offers\\":[{\\"offer\\":{\\"sdp\\":\\"no\\"}}]","offers":[{"offer_id":"{\\"sdp\\":1}","offer":{"sdp":"]}"}}]}',
    ],
    [
      'lookalikes at other depths',
      '{"extra":{"offers":[{"offer":{"sdp":"no"}}]},"offers":[{"x":{"offer":{"sdp":"no"}},"offer":{"y":{"sdp":"no"},"sdp":"yes"}}]}',
    ],
    [
      'elements that are not offers',
      '{"offers":[1,"two",null,true,[{"offer":{"sdp":"no"}}],{"offer":[{"sdp":"no"}]},{"offer":"sdp"},{}]}',
    ],
    [
      'numbers of every form',
      '{"a":-0.5e+10,"b":[1E-3,0,-1],"offers":[{"n":12.5e3,"offer_id":"i","offer":{"n":-7,"sdp":"s"}}],"c":1e2}',
    ],
    ['unicode and separators', '{"offers":[{"offer_id":"é漢😀","offer":{"sdp":"\u2028\u2029 é \\ud83d\\ude00"}}]}'],
    ['offers not an array', '{"offers":{"offer":{"sdp":"no"}}}'],
    ['no offers', '{"action":"announce","info_hash":"i"}'],
    ['offers null', '{"offers":null}'],
    ['not an object', '[{"offers":[]}]'],
    ['a bare string', '"offers"'],
  ])('%s: what JSON.parse reads', (_, text) => {
    expect(found(text)).toEqual(expected(text));
  });

  it('gives up (undefined) on text that is not JSON rather than guessing', () => {
    for (const text of ['', '{', '{"offers":[{"offer":{"sdp":"unterminated}]}', '{"offers" [1]}', '{"offers":[1 2]}']) {
      expect(offerLiterals(text)).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on 3 000 random frames, written with random whitespace, escapes and repeated keys', () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const space = () => pick(['', '', '', ' ', '\n', '\t ', '\r\n  ']);
    const chars = [
      'a',
      'z',
      ' ',
      '"',
      '\\',
      '/',
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u001f',
      'é',
      '漢',
      '\ud83d\ude00',
      '\u2028',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
    ];
    const text = () => Array.from({ length: Math.floor(random() * 12) }, () => pick(chars)).join('');
    // A string literal, each character written plainly (where JSON allows) or as any escape that means it.
    const literal = (value: string) => {
      let out = '"';
      for (const ch of value) {
        const code = ch.charCodeAt(0);
        const plain = ch === '"' || ch === '\\' || code < 0x20 ? JSON.stringify(ch).slice(1, -1) : ch;
        const r = random();
        if (r < 0.6) out += plain;
        else if (r < 0.8 || ch.length > 1) out += JSON.stringify(ch).slice(1, -1);
        else if (ch === '/' && r < 0.9) out += '\\/';
        else out += `\\u${code.toString(16).padStart(4, '0')}`;
      }
      return `${out}"`;
    };
    const key = (name: string) => `${space()}${literal(name)}${space()}:${space()}`;
    const scalar = () =>
      pick([
        () => literal(text()),
        () => String(Math.floor(random() * 2000) - 1000),
        () => '1.5e-3',
        () => 'true',
        () => 'null',
        () => '-0',
      ])();
    const value = (depth: number): string => {
      const r = random();
      if (depth > 2 || r < 0.5) return scalar();
      if (r < 0.75)
        return `[${Array.from({ length: Math.floor(random() * 3) }, () => `${space()}${value(depth + 1)}${space()}`).join(',')}]`;
      return object(depth + 1, [pick(['sdp', 'offer', 'offers', 'offer_id', 'x'])]);
    };
    // An object with members `names` (some repeated) and a few others, in random order.
    const object = (depth: number, names: string[], member: (name: string) => string = () => value(depth)) => {
      const members = [
        ...names,
        ...names.filter(() => random() < 0.2),
        ...Array.from({ length: Math.floor(random() * 3) }, () => pick(['a', 'sdp', 'offers', 'type'])),
      ];
      members.sort(() => random() - 0.5);
      return `{${members.map((name) => `${key(name)}${member(name)}${space()}`).join(',')}}`;
    };
    const offer = () =>
      random() < 0.1
        ? value(2)
        : object(2, ['offer_id', 'offer'], (name) =>
            name === 'offer_id'
              ? random() < 0.9
                ? literal(text())
                : scalar()
              : random() < 0.9
                ? object(3, ['type', 'sdp'], (n) =>
                    n === 'sdp' && random() < 0.9 ? literal(`${sdp}${text()}`) : scalar(),
                  )
                : value(3),
          );
    let withOffers = 0;
    for (let i = 0; i < 3000; i++) {
      const frame = `${space()}${object(0, ['action', 'offers'], (name) => (name === 'offers' && random() < 0.9 ? `[${Array.from({ length: Math.floor(random() * 6) }, () => `${space()}${offer()}${space()}`).join(',')}]` : value(1)))}${space()}`;
      const literals = found(frame);
      expect(literals, frame).toEqual(expected(frame));
      if (literals?.some((o) => o.sdp !== undefined && o.offerId !== undefined)) withOffers++;
    }
    // Most frames had offers to find: the comparison was not of nothing with nothing.
    expect(withOffers).toBeGreaterThan(1500);
  });
});
