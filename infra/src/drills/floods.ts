/**
 * The floods of the floods drill, from Node, on the drill's loopback: a tracker flood (sockets that announce into
 * the stream's real swarms at the tracker's per-socket rate limit, and reconnect when closed or refused) and a
 * beacon flood (beacons at ten times the edge's rate limit, under made-up and reused viewer ids). Each comes from
 * an address of its own, a documentation address (RFC 5737) sent as CF-Connecting-IP: Cloudflare sets that header
 * on every request from the internet and a client cannot choose it; locally wrangler keeps the one a caller sends.
 * Both tally what the edge answered, which the drill judges (the pure functions at the end).
 */
import { randomBytes } from 'node:crypto';
import { type Beacon, paths, zeroCounters } from '@edgeswarm/protocol';
import WebSocket from 'ws';
import { deriveInfoHashes, playerSwarmId, variantsOf } from '../../../edge/src/tracker/swarm-ids';

/** What a flood beacon claims: a CDN-only viewer stalling all the time, from a region of its own, starting slowly. */
const floodClaims = { mode: 'cdn', region: 'flood', startupMs: 30_000, httpBytesPerSecond: 2_000_000 } as const;

/** The two floods: how many, how fast, from which address (the drill's full form; its quick form is smaller). */
export interface FloodOptions {
  sockets: number;
  trackerAddress: string;
  announceEveryMs: number;
  retryMs: number;
  retryJitterMs: number;
  openBatch: number;
  openEveryMs: number;
  beaconsPerSecond: number;
  beaconAddress: string;
  reusedIds: number;
  claims: typeof floodClaims;
}

export const floodDefaults: FloodOptions = {
  /** The tracker flood: sockets, their address, and how often each announces (the per-socket limit: 2 a second). */
  sockets: 1000,
  trackerAddress: '198.51.100.20',
  announceEveryMs: 500,
  /**
   * A closed or refused socket tries again after `retryMs` and up to `retryJitterMs` more: bittorrent-tracker's
   * shortest reconnect delay, without its backoff (a flood keeps coming: about 60 upgrades a second from 1 000
   * sockets). Opening is paced too: `openBatch` sockets every `openEveryMs`.
   */
  retryMs: 10_000,
  retryJitterMs: 10_000,
  openBatch: 100,
  openEveryMs: 500,
  /**
   * The beacon flood: from one address at ten times its limit (4 a second): 40 a second, every other beacon under a
   * made-up viewer id, the rest under a few ids reused in turn (each then at 5 a second, 5× the per-viewer limit).
   */
  beaconsPerSecond: 40,
  beaconAddress: '198.51.100.21',
  reusedIds: 4,
  claims: floodClaims,
};

/** What the tracker did with the flood, as its sockets saw it. */
export interface TrackerFloodTally {
  /** Upgrade attempts, and how they were answered. */
  attempts: number;
  opened: number;
  refused429: number;
  /** Upgrades that failed otherwise (a status the flood did not expect, a reset), and why. */
  failed: number;
  failedBy: Record<string, number>;
  /** Opened sockets the tracker closed, by close code. */
  closedBy: Record<string, number>;
  announcesSent: number;
  /** Served: announces answered with the swarm's counts, offers relayed to a flood socket, answers to its offers. */
  announcesAnswered: number;
  offersReceived: number;
  answersReceived: number;
  /** Refused with a failure reason (rate limit, unknown swarm…). */
  failures: number;
  /** When the tracker first refused the flood (a 429, or a socket closed 4029), ms; served messages after it. */
  refusedAt?: number;
  servedAfterRefusal: number;
}

export const emptyTrackerTally = (): TrackerFloodTally => ({
  attempts: 0,
  opened: 0,
  refused429: 0,
  failed: 0,
  failedBy: {},
  closedBy: {},
  announcesSent: 0,
  announcesAnswered: 0,
  offersReceived: 0,
  answersReceived: 0,
  failures: 0,
  servedAfterRefusal: 0,
});

/** Pure: what one server message to a flood socket means for the tally. */
export function tallyTrackerMessage(tally: TrackerFloodTally, text: string): void {
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  if ('failure reason' in message) {
    tally.failures++;
    return;
  }
  if ('offer' in message) tally.offersReceived++;
  else if ('answer' in message) tally.answersReceived++;
  else if ('interval' in message || 'complete' in message) tally.announcesAnswered++;
  else return;
  if (tally.refusedAt !== undefined) tally.servedAfterRefusal++;
}

/** Pure: the tracker refused the flood (a 429 or a 4029 close) at `now`. */
export function noteRefusal(tally: TrackerFloodTally, now: number): void {
  tally.refusedAt ??= now;
}

/**
 * Pure: whether the flood was refused and not served. Refused: upgrades past the per-address bound answered 429, and
 * at most `maxOpen` sockets ever opened. Not served: nothing answered or relayed to it once the tracker had refused it
 * (a 429 or a 4029 close): no announce answered, no offer relayed to a flood socket (a viewer's, or another flood
 * socket's), no answer to its offers. Before that moment an address's first sockets are a household's as far as the
 * tracker can tell: what they were answered or relayed then is shown (`announcesAnswered`, `offersReceived`,
 * `answersReceived`, with how much of it came after the refusal), not failed. Counting offers relayed then as a
 * failure failed one CI run in four: a viewer announced in the fraction of a second between the first batch's
 * upgrades and its 429s, and its offers reached admitted flood sockets (BENCHMARKS.md, drills). An opened socket the
 * tracker closed without the close reaching the flood (its upgrade raced the penalty) is still open here, but never
 * answered again.
 */
export function trackerFloodVerdict(t: TrackerFloodTally, maxOpen: number): { ok: boolean; detail: string } {
  const closed = Object.values(t.closedBy).reduce((a, b) => a + b, 0);
  const closes = Object.entries(t.closedBy)
    .map(([code, n]) => `${n} closed ${code}`)
    .join(', ');
  const failed = t.failed
    ? ` (${Object.entries(t.failedBy)
        .map(([why, n]) => `${n} ${why}`)
        .join(', ')})`
    : '';
  const open = t.opened - closed;
  const detail = `${t.attempts} upgrades: ${t.refused429} refused 429, ${t.opened} opened (${closes || 'none closed'}${open > 0 ? `, ${open} left unanswered` : ''}), ${t.failed} failed otherwise${failed}; ${t.announcesSent} announces sent, ${t.failures} failure answers; served: ${t.announcesAnswered} announces answered (${t.servedAfterRefusal} of all served after the first refusal), ${t.offersReceived} offers relayed to it, ${t.answersReceived} answers to its offers`;
  const ok = t.attempts > 0 && t.refused429 > 0 && t.opened <= maxOpen && t.servedAfterRefusal === 0;
  return { ok, detail };
}

/** The stream's real swarms (what the flood announces into: the tracker admits no others), as the tracker derives them. */
export async function realInfoHashes(edgeUrl: string, stream: string): Promise<string[]> {
  const response = await fetch(`${edgeUrl}${paths.multivariant(stream)}`);
  if (!response.ok) throw new Error(`the flood could not read ${stream}'s playlist: ${response.status}`);
  return [...(await deriveInfoHashes([playerSwarmId(stream)], variantsOf(await response.text())))];
}

const randomId = (prefix: string) => (prefix + randomBytes(16).toString('hex')).slice(0, 20);

export interface RunningFlood<T> {
  tally: T;
  /** Stops it, closes what it holds, and answers the tally once every socket or request has settled. */
  stop(): Promise<T>;
}

/**
 * The tracker flood: `sockets` sockets from one address, opened at once; each announces into the real swarms every
 * `announceEveryMs` while open (with five offers, as p2p-media-loader does) and opens again `retryMs` after it is
 * closed or refused, until stopped.
 */
export function startTrackerFlood(
  edgeUrl: string,
  stream: string,
  infoHashes: readonly string[],
  o: Pick<
    FloodOptions,
    'sockets' | 'trackerAddress' | 'announceEveryMs' | 'retryMs' | 'retryJitterMs' | 'openBatch' | 'openEveryMs'
  > = floodDefaults,
): RunningFlood<TrackerFloodTally> {
  const tally = emptyTrackerTally();
  const url = `${edgeUrl.replace(/^http/, 'ws')}/v1/tracker/${stream}?region=eu`;
  let stopped = false;
  const live = new Set<WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const settled: Promise<void>[] = [];
  const failed = (why: string) => {
    tally.failed++;
    tally.failedBy[why] = (tally.failedBy[why] ?? 0) + 1;
  };
  const open = (n: number) => {
    if (stopped) return;
    tally.attempts++;
    const ws = new WebSocket(url, { headers: { 'CF-Connecting-IP': o.trackerAddress }, perMessageDeflate: false });
    live.add(ws);
    const peerId = randomId(`-FL${n}-`);
    let announcer: NodeJS.Timeout | undefined;
    settled.push(
      new Promise<void>((resolve) => {
        let answered = false;
        let wasOpen = false;
        ws.on('unexpected-response', (_request, res) => {
          answered = true;
          if (res.statusCode === 429) {
            tally.refused429++;
            noteRefusal(tally, Date.now());
          } else failed(`status ${res.statusCode}`);
          res.resume();
          ws.terminate();
        });
        ws.on('open', () => {
          answered = true;
          wasOpen = true;
          tally.opened++;
          const announce = () => {
            const infoHash = infoHashes[tally.announcesSent % infoHashes.length] as string;
            tally.announcesSent++;
            ws.send(
              JSON.stringify({
                action: 'announce',
                info_hash: infoHash,
                peer_id: peerId,
                numwant: 5,
                uploaded: 0,
                downloaded: 0,
                event: 'started',
                offers: Array.from({ length: 5 }, () => ({
                  offer_id: randomId('o'),
                  offer: { type: 'offer', sdp: 'v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\ns=flood\r\n' },
                })),
              }),
            );
          };
          announce();
          announcer = setInterval(announce, o.announceEveryMs);
        });
        ws.on('message', (data) => tallyTrackerMessage(tally, String(data)));
        ws.on('error', (error: Error & { code?: string }) => {
          // The flood's own stop cuts sockets still connecting: not the tracker's doing.
          if (!(answered || stopped)) {
            answered = true;
            failed(error.code ?? error.message.slice(0, 40));
          }
        });
        ws.on('close', (code) => {
          clearInterval(announcer);
          live.delete(ws);
          // An opened socket closed by the tracker (not by the flood's own stop), by its code.
          if (wasOpen && !stopped) {
            tally.closedBy[code] = (tally.closedBy[code] ?? 0) + 1;
            if (code === 4029) noteRefusal(tally, Date.now());
          }
          resolve();
          later(() => open(n), o.retryMs + Math.random() * o.retryJitterMs);
        });
      }),
    );
  };
  for (let first = 0; first < o.sockets; first += o.openBatch) {
    later(
      () => {
        for (let n = first; n < Math.min(o.sockets, first + o.openBatch); n++) open(n);
      },
      (first / o.openBatch) * o.openEveryMs,
    );
  }
  return {
    tally,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const ws of live) ws.terminate();
      await Promise.all(settled);
      return tally;
    },
  };
}

/** What the edge answered the beacon flood, by status. */
export interface BeaconFloodTally {
  sent: number;
  byStatus: Record<string, number>;
  /** Distinct viewer ids it used. */
  viewerIds: number;
}

/** Pure: one flood beacon, claiming what `floodDefaults.claims` says over `intervalMs`. */
export function floodBeacon(stream: string, viewer: string, seq: number, intervalMs: number): Beacon {
  const c = floodDefaults.claims;
  return {
    v: 1,
    stream,
    viewer,
    seq,
    mode: c.mode,
    intervalMs,
    ...zeroCounters(),
    httpBytes: Math.round((c.httpBytesPerSecond * intervalMs) / 1000),
    httpSegments: Math.max(1, Math.round(intervalMs / 2000)),
    stalls: 1,
    stallMs: intervalMs,
    peers: 0,
    bufferSeconds: 0,
    startupMs: c.startupMs,
    region: c.region,
  };
}

/**
 * The beacon flood: `beaconsPerSecond` beacons a second from one address, alternately under a made-up viewer id and
 * under one of a few ids reused in turn (seq rising, as a forger would). Sent without waiting for answers, so the
 * rate holds whatever the edge does.
 */
export function startBeaconFlood(
  edgeUrl: string,
  stream: string,
  o: Pick<FloodOptions, 'beaconsPerSecond' | 'beaconAddress' | 'reusedIds'> = floodDefaults,
): RunningFlood<BeaconFloodTally> {
  const tally: BeaconFloodTally = { sent: 0, byStatus: {}, viewerIds: 0 };
  const reused = Array.from({ length: o.reusedIds }, (_, i) => randomId(`flood-reused-${i}-`));
  tally.viewerIds += reused.length;
  const seqs = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const send = (viewer: string) => {
    const seq = seqs.get(viewer) ?? 0;
    seqs.set(viewer, seq + 1);
    tally.sent++;
    const request = fetch(`${edgeUrl}/v1/streams/${stream}/beacons`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'CF-Connecting-IP': o.beaconAddress },
      body: JSON.stringify(floodBeacon(stream, viewer, seq, 5000)),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        tally.byStatus[response.status] = (tally.byStatus[response.status] ?? 0) + 1;
      })
      .catch(() => {
        tally.byStatus.error = (tally.byStatus.error ?? 0) + 1;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  let tick = 0;
  const timer = setInterval(() => {
    if (tick % 2 === 0) {
      send(randomId('flood-fresh-'));
      tally.viewerIds++;
    } else send(reused[(tick >> 1) % reused.length] as string);
    tick++;
  }, 1000 / o.beaconsPerSecond);
  return {
    tally,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return tally;
    },
  };
}
