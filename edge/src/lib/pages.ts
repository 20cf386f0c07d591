/** HTML pages rendered by the edge. Pure string rendering; every value is escaped. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface WatchPage {
  streamId: string;
  /** The multivariant playlist, relative or absolute. */
  playlistUrl: string;
  /** Script served from the edge's static assets. */
  playerScript: string;
}

export function renderWatchPage(page: WatchPage): string {
  const stream = escapeHtml(page.streamId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${stream} · edgeswarm</title>
<style>
  body { margin: 0; background: #111; color: #eee; font: 14px/1.4 system-ui, sans-serif; }
  main { max-width: 960px; margin: 0 auto; padding: 16px; }
  video { width: 100%; aspect-ratio: 16 / 9; background: #000; }
  #status { color: #9a9; font-variant-numeric: tabular-nums; min-height: 1.4em; }
  #status.error { color: #f88; }
</style>
</head>
<body>
<main>
  <h1>${stream}</h1>
  <video id="video" controls muted autoplay playsinline data-src="${escapeHtml(page.playlistUrl)}"></video>
  <p id="status">loading…</p>
</main>
<script src="${escapeHtml(page.playerScript)}"></script>
</body>
</html>
`;
}
