/**
 * A multivariant playlist and the info_hashes stock p2p-media-loader-core 2.3
 * announces for its renditions under our player's swarm id, captured from the
 * real client by infra/src/stock-p2pml-announce.test.ts (which fails if they
 * drift). The edge tests on workerd replay them against the real Durable Object.
 */
export const stockAnnounceFixture = {
  stream: 'stock-pml',
  master: [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000',
    '720p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.66.30,mp4a.40.2",FRAME-RATE=29.970',
    '360p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="mp4a.40.2,hvc1.1.6.L120.90",VIDEO-RANGE=sdr',
    '1080p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"',
    'audio/index.m3u8',
    '',
  ].join('\n'),
  playerInfoHashes: ['4xyZgrMmi1a05rxZ7pRw', '7djC0KbVY02sIpU7yeKt', 'JTz1MZg0ltzTL09LkTCD', 'E5vqw1nae3iA4ELblzwT'],
};
