import { describe, expect, it } from 'vitest';
import { escapeHtml, playerAttributes, renderEmbedPage, renderWatchPage } from './pages';

const page = {
  streamId: 'demo',
  playlistUrl: '/v1/streams/demo/master.m3u8',
  playerScript: '/player/hybrid-player.js',
};

describe('player pages', () => {
  it('put a <hybrid-player> on the watch page, loaded by one script tag', () => {
    const html = renderWatchPage(page);
    expect(html).toContain('<hybrid-player stream="demo" src="/v1/streams/demo/master.m3u8"></hybrid-player>');
    expect(html).toContain('<script src="/player/hybrid-player.js"></script>');
    expect(html).toContain('<title>demo · edgeswarm</title>');
  });

  it('render an embed page that is only the player', () => {
    const html = renderEmbedPage({ ...page, attributes: { p2p: 'off' } });
    expect(html).toContain(
      '<hybrid-player stream="demo" src="/v1/streams/demo/master.m3u8" p2p="off"></hybrid-player>',
    );
    expect(html).not.toContain('<h1>');
  });

  it('pass only known query parameters on, as escaped attributes', () => {
    const attributes = playerAttributes(new URLSearchParams('region=eu&asn=3320&onload=alert(1)&overlay=&p2p="><x>'));
    expect(attributes).toEqual({ region: 'eu', asn: '3320', overlay: '', p2p: '"><x>' });
    expect(renderWatchPage({ ...page, attributes })).toContain('p2p="&quot;&gt;&lt;x&gt;"');
  });

  it('pass a playback token on (a long one too), but nothing absurdly long', () => {
    const token = 'a'.repeat(400);
    expect(playerAttributes(new URLSearchParams({ token, region: 'eu' }))).toEqual({ token, region: 'eu' });
    expect(playerAttributes(new URLSearchParams({ token: 'a'.repeat(3000) }))).toEqual({});
    expect(playerAttributes(new URLSearchParams({ region: 'a'.repeat(400) }))).toEqual({});
  });

  it('escape everything interpolated', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(renderWatchPage({ ...page, streamId: '<x>' })).not.toContain('<x>');
  });
});
