/**
 * Is a stream whole? Every rendition's playlist, read from the edge, must list
 * each segment once, in order (media sequence numbers without a gap, sessions
 * only going forward, a discontinuity exactly where a session starts), end
 * with ENDLIST exactly when the stream has ended, and every segment's bytes
 * must match the hash the playlist carries.
 */
import { type MediaPlaylist, parsePlaylist, type StreamState, type StreamStatus, sha256Hex } from '@edgeswarm/protocol';

export interface StreamCheck {
  state: string;
  renditions: number;
  /** Segments listed, over every rendition. */
  segments: number;
  /** Sessions seen in the playlists. */
  sessions: number[];
  /** Full object names (`v0/s0-3.m4s`) listed. */
  names: string[];
  /** Segments whose bytes did not match their hash. */
  hashMismatches: number;
  problems: string[];
}

/**
 * Pure: what is wrong with one rendition's playlist, as listed (hashes aside). With the stream's state: an ended
 * stream's playlist must carry ENDLIST (a player would otherwise wait for more), a live one's must not.
 */
export function playlistProblems(rendition: string, playlist: MediaPlaylist, state?: StreamState): string[] {
  const problems: string[] = [];
  if (state === 'ended' && !playlist.endList)
    problems.push(`${rendition}: the stream ended, but its playlist has no ENDLIST`);
  if (state === 'live' && playlist.endList)
    problems.push(`${rendition}: the stream is live, but its playlist has ENDLIST`);
  const seen = new Set<string>();
  let lastSession = -1;
  playlist.segments.forEach((segment, index) => {
    const msn = playlist.mediaSequence + index;
    const match = /^s(\d+)-(\d+)\.m4s$/.exec(segment.uri);
    if (!match) {
      problems.push(`${rendition}: unexpected segment name ${segment.uri}`);
      return;
    }
    const session = Number(match[1]);
    if (Number(match[2]) !== msn) problems.push(`${rendition}: ${segment.uri} listed at media sequence ${msn}`);
    if (seen.has(segment.uri)) problems.push(`${rendition}: ${segment.uri} listed twice`);
    seen.add(segment.uri);
    if (session < lastSession) problems.push(`${rendition}: session ${session} after session ${lastSession}`);
    const starts = lastSession !== -1 && session !== lastSession;
    if (starts && !segment.discontinuity)
      problems.push(`${rendition}: session ${session} starts without a discontinuity`);
    if (!starts && index > 0 && segment.discontinuity)
      problems.push(`${rendition}: a discontinuity inside session ${session}`);
    if (!segment.sha256) problems.push(`${rendition}: ${segment.uri} has no hash`);
    lastSession = session;
  });
  return problems;
}

/**
 * A harness read of the edge: a connection the local runtime drops (undici's keep-alive socket closed under it:
 * `fetch failed`) is tried again, so the check judges the stream, not one socket.
 */
async function read(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(20_000) });
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function text(url: string): Promise<string> {
  const response = await read(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

export async function checkStream(edgeUrl: string, stream: string): Promise<StreamCheck> {
  const base = `${edgeUrl}/v1/streams/${stream}`;
  const status = JSON.parse(await text(base)) as StreamStatus;
  const check: StreamCheck = {
    state: status.state,
    renditions: status.renditions.length,
    segments: 0,
    sessions: [],
    names: [],
    hashMismatches: 0,
    problems: [],
  };
  // A rendition the multivariant playlist offers but the coordinator never got a segment of is lost whole.
  const master = parsePlaylist(await text(`${base}/master.m3u8`));
  if (master.ok && master.value.type === 'multivariant') {
    for (const variant of master.value.variants) {
      const name = variant.uri.split('/')[0] ?? variant.uri;
      if (!status.renditions.some((r) => r.name === name))
        check.problems.push(`${name}: offered by the multivariant playlist, but not one segment committed`);
    }
  } else check.problems.push('the multivariant playlist did not parse');
  const sessions = new Set<number>();
  for (const rendition of status.renditions) {
    const parsed = parsePlaylist(await text(`${base}/${rendition.name}/live.m3u8`));
    if (!parsed.ok || parsed.value.type !== 'media') {
      check.problems.push(`${rendition.name}: the playlist did not parse`);
      continue;
    }
    const playlist = parsed.value;
    check.problems.push(...playlistProblems(rendition.name, playlist, status.state));
    if (playlist.mediaSequence === 0 && playlist.segments.length !== rendition.segments)
      check.problems.push(
        `${rendition.name}: ${playlist.segments.length} listed, the coordinator counts ${rendition.segments}`,
      );
    for (const segment of playlist.segments) {
      check.segments++;
      check.names.push(`${rendition.name}/${segment.uri}`);
      sessions.add(Number(/^s(\d+)-/.exec(segment.uri)?.[1]));
      const response = await read(`${base}/${rendition.name}/${segment.uri}`);
      const bytes = response.ok ? await response.arrayBuffer() : undefined;
      if (!bytes || (await sha256Hex(bytes)) !== segment.sha256) {
        check.hashMismatches++;
        check.problems.push(
          `${rendition.name}/${segment.uri}: ${bytes ? 'bytes do not match the hash' : response.status}`,
        );
      }
    }
  }
  check.sessions = [...sessions].sort((a, b) => a - b);
  return check;
}

/** Creates the stream up front with a DVR window that keeps every segment, so a check sees all of them. */
export async function createKeepingStream(edgeUrl: string, secret: string, stream: string): Promise<void> {
  const response = await fetch(`${edgeUrl}/v1/streams`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: stream, dvrWindowSeconds: 6 * 3600 }),
  });
  if (!response.ok) throw new Error(`could not create ${stream}: ${response.status} ${await response.text()}`);
}
