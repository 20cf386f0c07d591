import { describe, expect, it } from 'vitest';
import { escapeHtml, renderWatchPage } from './pages';

describe('renderWatchPage', () => {
  it('points the video at the playlist and loads the player script', () => {
    const html = renderWatchPage({
      streamId: 'demo',
      playlistUrl: '/v1/streams/demo/master.m3u8',
      playerScript: '/player/watch.js',
    });
    expect(html).toContain('data-src="/v1/streams/demo/master.m3u8"');
    expect(html).toContain('<script src="/player/watch.js"></script>');
    expect(html).toContain('<title>demo · edgeswarm</title>');
  });

  it('escapes everything it interpolates', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
    const html = renderWatchPage({ streamId: '<x>', playlistUrl: '"', playerScript: 'a' });
    expect(html).not.toContain('<x>');
    expect(html).toContain('data-src="&#34;"');
  });
});
