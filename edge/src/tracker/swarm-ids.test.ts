/**
 * The derivation's details, as hls.js and p2p-media-loader normalise them. That
 * the whole chain matches the stock client is shown in Node against the real
 * libraries (infra/src/stock-p2pml-announce.test.ts), which also captured the
 * fixture replayed here.
 */
import { describe, expect, it } from 'vitest';
import { stockAnnounceFixture } from './stock-announce-fixture';
import { deriveInfoHashes, manifestSwarmId, playerSwarmId, shortIdInput, variantsOf } from './swarm-ids';

describe('variantsOf', () => {
  it('reads each variant as hls.js does: video codecs only, avc1.P.L rewritten, raw frame rate and range', () => {
    expect(variantsOf(stockAnnounceFixture.master)).toEqual([
      { bitrate: 2500000, width: 1280, height: 720, videoCodec: 'avc1.64001f', frameRate: '30.000' },
      { bitrate: 900000, width: 640, height: 360, videoCodec: 'avc1.42001e', frameRate: '29.970' },
      { bitrate: 5000000, width: 1920, height: 1080, videoCodec: 'hvc1.1.6.L120.90', videoRange: 'sdr' },
      { bitrate: 128000 },
    ]);
  });

  it('falls back to AVERAGE-BANDWIDTH, skips a variant without a URI, tolerates CRLF and unknown tags', () => {
    const text =
      '#EXTM3U\r\n#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=700\r\n#EXT-X-FOO:1\r\n\r\na.m3u8\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n';
    expect(variantsOf(text)).toEqual([{ bitrate: 700 }]);
  });
});

describe('shortIdInput', () => {
  it('normalises as p2p-media-loader does', () => {
    expect(
      shortIdInput({ bitrate: 900000, videoCodec: 'AVC1.66.30', width: 640, height: 360, frameRate: '29.970' }),
    ).toBe('900000-avc1.42001e-640-360----29.97-');
    expect(shortIdInput({ bitrate: 5, videoCodec: 'vp09.0,avc1.64001f', videoRange: ' pq ' })).toBe(
      '5-avc1.64001f,vp09.0-------PQ',
    );
  });

  it('uses nothing but the bitrate when the bitrate is 0', () => {
    expect(shortIdInput({ bitrate: 0, videoCodec: 'avc1.64001f', width: 1, height: 1, frameRate: '30' })).toBe(
      '0--------',
    );
  });
});

describe('deriveInfoHashes', () => {
  it('gives the info_hashes the stock client announced, 20 ASCII characters each', async () => {
    const { stream, master, playerInfoHashes } = stockAnnounceFixture;
    const hashes = await deriveInfoHashes([playerSwarmId(stream)], variantsOf(master));
    expect([...hashes]).toEqual(playerInfoHashes);
    for (const hash of hashes) expect(hash).toMatch(/^[A-Za-z0-9+/]{20}$/);
  });

  it('one swarm per rendition and swarm id', async () => {
    const { stream, master } = stockAnnounceFixture;
    const ids = [playerSwarmId(stream), manifestSwarmId('https://edge.example', stream)];
    expect((await deriveInfoHashes(ids, variantsOf(master))).size).toBe(8);
    expect(manifestSwarmId('https://edge.example', stream)).toBe(
      'https://edge.example/v1/streams/stock-pml/master.m3u8',
    );
  });
});
