import { beforeAll, describe, expect, it } from 'vitest';
import { Blocklist, hashesFromFragments, IntegrityChecker, pickDigest, type TaggedFragment } from './integrity';
import { bundledDigest } from './sha256';

async function hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('integrity', () => {
  let one = '';
  let fragments: TaggedFragment[] = [];
  beforeAll(async () => {
    one = await hex('one');
    fragments = [
      {
        url: 'https://e/v0/s0-1.m4s',
        tagList: [
          ['INF', '2'],
          ['EXT-X-EDGESWARM-SHA256', one],
        ],
      },
      { url: 'https://e/v0/s0-2.m4s', tagList: [['INF', '2']] },
      { url: 'https://e/v0/s0-3.m4s', tagList: [['EXT-X-EDGESWARM-SHA256', 'not-hex']] },
    ];
  });

  it('reads the edge-published hashes from hls.js fragments', () => {
    expect(hashesFromFragments(fragments)).toEqual(new Map([['https://e/v0/s0-1.m4s', one]]));
  });

  it('accepts matching bytes and refuses tampered or unknown segments', async () => {
    const checker = new IntegrityChecker();
    checker.record(fragments);
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('one'))).toBe(true);
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('0ne'))).toBe(false);
    expect(await checker.validate('https://e/v0/s0-2.m4s', bytes('two'))).toBe(false);
    expect({ checked: checker.checked, rejected: checker.rejected }).toEqual({ checked: 3, rejected: 2 });
  });

  it('without Web Crypto (not a secure context) checks with the bundled SHA-256: honest peers still pass', async () => {
    expect(pickDigest(undefined).kind).toBe('bundled');
    expect(pickDigest(crypto.subtle).kind).toBe('web-crypto');
    const checker = new IntegrityChecker(pickDigest(undefined));
    expect(checker.digestKind).toBe('bundled');
    checker.record(fragments);
    // Until the P2P script hands the bundled SHA-256 over, nothing can be checked, so everything is refused.
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('one'))).toBe(false);
    checker.useBundled(bundledDigest);
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('one'))).toBe(true);
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('0ne'))).toBe(false);
    expect(await checker.validate('https://e/v0/s0-2.m4s', bytes('two'))).toBe(false);
    expect({ checked: checker.checked, rejected: checker.rejected }).toEqual({ checked: 4, rejected: 3 });
  });

  it('keeps Web Crypto where the page has it, whatever digest is handed over', async () => {
    const checker = new IntegrityChecker(pickDigest(crypto.subtle));
    checker.record(fragments);
    checker.useBundled(async () => one); // a digest that would pass anything: not taken
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('0ne'))).toBe(false);
    expect(await checker.validate('https://e/v0/s0-1.m4s', bytes('one'))).toBe(true);
  });

  it('blocks a peer for a while, then forgets it', () => {
    const blocklist = new Blocklist();
    blocklist.block('bad', 100, 60);
    expect(blocklist.isBlocked('bad', 159)).toBe(true);
    expect(blocklist.isBlocked('bad', 161)).toBe(false);
    expect(blocklist.isBlocked('good', 100)).toBe(false);
  });
});
