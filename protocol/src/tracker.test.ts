import { describe, expect, it } from 'vitest';
import { trackerIdFromHex, trackerIdLength, trackerIdToHex } from './tracker';

describe('tracker ids', () => {
  it.each([['00'.repeat(20)], ['ff'.repeat(20)], ['c12fe1c06bba254a9dc9f519b335aa7c1367a88a']])(
    '%s round-trips through the 20-byte wire form',
    (hex) => {
      const id = trackerIdFromHex(hex);
      expect(id).toHaveLength(trackerIdLength);
      expect(trackerIdToHex(id)).toBe(hex);
    },
  );

  it('reads the wire form as bittorrent-tracker writes it (latin1, one character per byte)', () => {
    const hex = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
    expect(trackerIdFromHex(hex)).toBe(Buffer.from(hex, 'hex').toString('latin1'));
  });

  it('hex of an ASCII id (p2p-media-loader style)', () => {
    expect(trackerIdToHex('-PM0203-abcdefghijkl')).toBe(Buffer.from('-PM0203-abcdefghijkl').toString('hex'));
  });
});
