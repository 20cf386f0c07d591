/**
 * oEmbed (https://oembed.com/): a site given one of this edge's /watch or /embed URLs asks /oembed what to embed for
 * it, and gets a video oEmbed whose html is the /embed iframe. Pure: the query and this edge's origin in, the
 * response or a refusal out. Only this edge's own pages are answered; any other URL is unknown here (404).
 */
import { escapeHtml, type Validation, validateStreamId } from '@edgeswarm/protocol';
import { playerAttributes } from './pages';

export interface OembedOptions {
  /** The frame's size when the consumer sets no maxwidth/maxheight: 16:9. */
  width: number;
  height: number;
  providerName: string;
  /** Seconds a consumer may cache the answer (oEmbed's cache_age, and Cache-Control). */
  cacheAgeSeconds: number;
}

export const oembedDefaults: OembedOptions = {
  width: 640,
  height: 360,
  providerName: 'edgeswarm',
  cacheAgeSeconds: 300,
};

export interface OembedRequest {
  stream: string;
  /** The /embed page the iframe loads, with the page's player parameters (no token) carried over. */
  embedUrl: string;
  width: number;
  height: number;
}

/** oEmbed's statuses: 404 for a URL with nothing to embed, 501 for a format not served, 400 for anything else malformed. */
export type OembedRefusal = { ok: false; status: 400 | 404 | 501; reason: string };

/** A video oEmbed (type "video", version 1.0). */
export interface OembedVideo {
  version: '1.0';
  type: 'video';
  title: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  cache_age: number;
}

const pagePath = /^\/(?:watch|embed)\/([^/]+)\/?$/;

function dimension(query: URLSearchParams, name: string): Validation<number | undefined> {
  const value = query.get(name);
  if (value === null || value === '') return { ok: true, value: undefined };
  if (!/^\d{1,5}$/.test(value) || Number(value) === 0) {
    return { ok: false, reason: `${name} must be a positive integer of pixels` };
  }
  return { ok: true, value: Number(value) };
}

/** The frame's size: the default, scaled down (keeping its aspect) to fit maxwidth and maxheight. */
export function frameSize(
  maxWidth: number | undefined,
  maxHeight: number | undefined,
  options: OembedOptions = oembedDefaults,
): { width: number; height: number } {
  const scale = Math.min(1, (maxWidth ?? Infinity) / options.width, (maxHeight ?? Infinity) / options.height);
  return {
    width: Math.max(1, Math.floor(options.width * scale)),
    height: Math.max(1, Math.floor(options.height * scale)),
  };
}

/** Validates `url`, `format`, `maxwidth` and `maxheight` against this edge's origin (e.g. `https://video.example`). */
export function parseOembedRequest(
  query: URLSearchParams,
  origin: string,
  options: OembedOptions = oembedDefaults,
): { ok: true; value: OembedRequest } | OembedRefusal {
  const refuse = (status: OembedRefusal['status'], reason: string): OembedRefusal => ({ ok: false, status, reason });
  const format = query.get('format');
  // The oEmbed spec: a provider that cannot answer in the requested format returns 501 Not Implemented.
  if (format !== null && format !== 'json') return refuse(501, 'format must be json (the only format served)');
  const raw = query.get('url');
  if (raw === null || raw === '') return refuse(400, 'url is required: a /watch/:stream or /embed/:stream URL');
  if (raw.length > 2048) return refuse(400, 'url is longer than 2048 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(400, 'url must be an absolute URL');
  }
  if (url.origin !== origin) return refuse(404, `only pages on this edge (${origin}) have an oEmbed here`);
  const id = pagePath.exec(url.pathname)?.[1];
  if (id === undefined) return refuse(404, 'only /watch/:stream and /embed/:stream pages have an oEmbed');
  const stream = validateStreamId(id);
  if (!stream.ok) return refuse(404, `no such stream: ${stream.reason}`);
  const maxWidth = dimension(query, 'maxwidth');
  if (!maxWidth.ok) return refuse(400, maxWidth.reason);
  const maxHeight = dimension(query, 'maxheight');
  if (!maxHeight.ok) return refuse(400, maxHeight.reason);
  // The page's player parameters carry over, except a playback token: an oEmbed answer is public and cached.
  const { token: _token, ...attributes } = playerAttributes(url.searchParams);
  const carried = new URLSearchParams(attributes).toString();
  return {
    ok: true,
    value: {
      stream: stream.value,
      embedUrl: `${origin}/embed/${stream.value}${carried ? `?${carried}` : ''}`,
      ...frameSize(maxWidth.value, maxHeight.value, options),
    },
  };
}

export function oembedVideo(
  request: OembedRequest,
  origin: string,
  options: OembedOptions = oembedDefaults,
): OembedVideo {
  const { stream, embedUrl, width, height } = request;
  return {
    version: '1.0',
    type: 'video',
    title: stream,
    provider_name: options.providerName,
    provider_url: `${origin}/`,
    html: `<iframe src="${escapeHtml(embedUrl)}" width="${width}" height="${height}" title="${escapeHtml(stream)}" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
    width,
    height,
    cache_age: options.cacheAgeSeconds,
  };
}

/** The discovery link's target for a watch page: its canonical URL, asked for as JSON. */
export function oembedDiscoveryUrl(origin: string, stream: string): string {
  const page = `${origin}/watch/${stream}`;
  return `${origin}/oembed?${new URLSearchParams({ url: page, format: 'json' })}`;
}
