/**
 * The `ice-servers` attribute, pure: which STUN servers WebRTC asks for this viewer's public address.
 *
 * - absent or empty: the player's default (playerDefaults.rtcConfig);
 * - `none`: no STUN server (host candidates only: one local network);
 * - a list of `stun:` / `stuns:` URLs (RFC 7064), separated by spaces or commas, e.g.
 *   `stun:stun.example.net:3478 stun:10.0.0.1`: these servers instead of the default.
 *
 * TURN servers need credentials, so they come from JavaScript (`hybrid-player-configure`), never from an attribute
 * a URL can set. A value with anything else in it is ignored as a whole, with a warning: a typo must not silently
 * leave a viewer with fewer servers than the page meant.
 */

export const iceServersSettingLimits = {
  /** More servers only slow gathering down (each is asked in turn); browsers warn past a few. */
  maxServers: 4,
};

export type IceServersSetting = { kind: 'default' } | { kind: 'servers'; iceServers: RTCIceServer[] };

export interface ParsedIceServers {
  setting: IceServersSetting;
  warning?: string;
}

// RFC 7064: stun:host[:port], host a name (labels of letters, digits and inner hyphens), an IPv4 address or a bracketed
// IPv6 address; no user, path or query. One expression: this is in the first script a viewer loads.
const stunUrl =
  /^stuns?:(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/i;

/** Pure: why `url` is not a STUN URL this attribute takes, or undefined. */
export function stunUrlProblem(url: string): string | undefined {
  if (/^turns?:/i.test(url)) {
    return `${url}: TURN needs credentials; give TURN servers from JavaScript (hybrid-player-configure)`;
  }
  const match = stunUrl.exec(url);
  if (!match) return /^stuns?:/i.test(url) ? `${url}: not host[:port]` : `${url}: not a stun: or stuns: URL`;
  const port = match[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return `${url}: port out of 1–65535`;
  return undefined;
}

export function parseIceServersSetting(value: string | null): ParsedIceServers {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return { setting: { kind: 'default' } };
  if (trimmed.toLowerCase() === 'none') return { setting: { kind: 'servers', iceServers: [] } };
  const urls = trimmed.split(/[\s,]+/).filter(Boolean);
  const ignored = 'ice-servers ignored, the default servers kept';
  if (urls.length > iceServersSettingLimits.maxServers) {
    return {
      setting: { kind: 'default' },
      warning: `${ignored}: ${urls.length} servers, at most ${iceServersSettingLimits.maxServers}`,
    };
  }
  const problems = urls.flatMap((url) => stunUrlProblem(url) ?? []);
  if (problems.length > 0) return { setting: { kind: 'default' }, warning: `${ignored}: ${problems.join('; ')}` };
  return { setting: { kind: 'servers', iceServers: [{ urls }] } };
}
