/** HTML pages rendered by the edge. Pure string rendering; every value is escaped (protocol's escapeHtml). */

import { escapeHtml } from '@edgeswarm/protocol';
import { faviconLink } from './favicon';

export { escapeHtml };

/** Query parameters a page passes on to <hybrid-player> as attributes (see player/src/pages/hybrid-player.ts). */
export const playerPageParams = [
  'p2p',
  'tracker',
  'region',
  'asn',
  'colo',
  'country',
  'overlay',
  'beacon',
  'ice-servers',
  'upload-kbps',
  'latency-target',
  // Signed playback: a token given in the page's URL rides on the player's own requests (the cookie needs none).
  'token',
  // Privacy: upload on, off or on consent, and relay-only WebRTC (its TURN servers come from the page's scripts).
  'p2p-upload',
  'ice-transport-policy',
] as const;

/** Longest value a page passes on; a playback token (claims and signature, base64url) is the long one. */
const paramMaxLength: Partial<Record<(typeof playerPageParams)[number], number>> = { token: 2048 };

export function playerAttributes(query: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of playerPageParams) {
    const value = query.get(name);
    if (value !== null && value.length <= (paramMaxLength[name] ?? 200)) attributes[name] = value;
  }
  return attributes;
}

export interface PlayerPage {
  streamId: string;
  /** The multivariant playlist, relative or absolute. */
  playlistUrl: string;
  /** Script served from the edge's static assets. */
  playerScript: string;
  attributes?: Record<string, string>;
  /** The watch page's oEmbed (discovery link), absolute. */
  oembedUrl?: string;
}

function playerElement(page: PlayerPage): string {
  const extra = Object.entries(page.attributes ?? {})
    .map(([name, value]) => ` ${escapeHtml(name)}="${escapeHtml(value)}"`)
    .join('');
  return `<hybrid-player stream="${escapeHtml(page.streamId)}" src="${escapeHtml(page.playlistUrl)}"${extra}></hybrid-player>`;
}

export function renderWatchPage(page: PlayerPage): string {
  const stream = escapeHtml(page.streamId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${stream} · edgeswarm</title>
${faviconLink}${page.oembedUrl ? `\n<link rel="alternate" type="application/json+oembed" href="${escapeHtml(page.oembedUrl)}" title="${stream}">` : ''}
<style>
  body { margin: 0; background: #111; color: #eee; font: 14px/1.4 system-ui, sans-serif; }
  main { max-width: 960px; margin: 0 auto; padding: 16px; }
  a { color: #9cf; }
</style>
</head>
<body>
<main>
  <h1>${stream}</h1>
  ${playerElement(page)}
  <p>Segments come from the edge and, when there is time to spare, from other viewers. <a href="/dashboard/${stream}">Stream dashboard</a></p>
</main>
<script src="${escapeHtml(page.playerScript)}"></script>
</body>
</html>
`;
}

/** For iframes: the player and nothing else, filling the frame. */
export function renderEmbedPage(page: PlayerPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.streamId)} · edgeswarm</title>
${faviconLink}
<style>html, body { margin: 0; height: 100%; background: #000; } hybrid-player { height: 100%; }</style>
</head>
<body>
${playerElement(page)}
<script src="${escapeHtml(page.playerScript)}"></script>
</body>
</html>
`;
}
