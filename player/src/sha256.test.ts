import { describe, expect, it } from 'vitest';
import { toHex } from './hex';
import { sha256 } from './sha256';

const hex = (text: string) => toHex(sha256(new TextEncoder().encode(text)));

describe('sha256 (the bundled fallback)', () => {
  it('matches the FIPS 180-4 / NIST vectors', () => {
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(
      hex(
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      ),
    ).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(toHex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with Web Crypto at every padding boundary and on segment-sized data', async () => {
    let seed = 12345;
    for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 300_017]) {
      const data = new Uint8Array(length).map(() => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed >>> 24;
      });
      const expected = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
      expect(toHex(sha256(data)), `length ${length}`).toBe(expected);
      // An ArrayBuffer (what p2p-media-loader hands the validator) and a view into a bigger buffer alike.
      const copy = new Uint8Array(length + 8);
      copy.set(data, 8);
      expect(toHex(sha256(copy.subarray(8))), `subarray of length ${length}`).toBe(expected);
      expect(toHex(sha256(copy.slice(8).buffer)), `ArrayBuffer of length ${length}`).toBe(expected);
    }
  });
});
