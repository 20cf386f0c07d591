/**
 * bench:live --parts, the I/O half: a publisher that sends LL-HLS parts through the real publishing API
 * (session with partTarget, PUT of each part, then the whole segment and its commit), and N pollers
 * following it on loopback, either blocking (`_HLS_msn`/`_HLS_part` on the preload hint, and the hinted
 * part fetched at once, as hls.js does in low-latency mode) or naive (the plain playlist every half part,
 * then each new part). Every request is bounded in time; the run stops its pollers itself.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEdgeClient } from '@edgeswarm/origin/edge-client';
import { derivePublishKey, liveNames, type SegmentCommit, sha256Hex } from '@edgeswarm/protocol';
import {
  type LlPlaylistView,
  type PartRef,
  type PartsCounters,
  type PartsMode,
  partKey,
  readLlPlaylist,
} from './live-parts';

export const partsRunDefaults = {
  rendition: 'v0',
  /** Synthetic parts (no ffmpeg competing for the CPU): four make a 40 KB segment, as in the segment mode. */
  partBytes: 10_000,
  /** Any one request; a blocking one is answered within 3 target durations by the edge. */
  requestTimeoutMs: 15_000,
  /** After the last part: how long pollers get to catch up before the counters are read. */
  catchUpMs: 5_000,
  /** After the releasing part: how long pollers get to stop before their requests are aborted. */
  stopMs: 10_000,
};

export interface PartsRunSettings {
  pollers: number;
  segments: number;
  targetDuration: number;
  partSeconds: number;
}

export async function runPartsMode(
  edgeUrl: string,
  secret: string,
  mode: PartsMode['mode'],
  settings: PartsRunSettings,
  readCounters: (stream: string) => Promise<PartsCounters>,
  progress: (line: string) => void = () => {},
): Promise<PartsMode> {
  const o = partsRunDefaults;
  const stream = `bench-parts-${mode}`;
  const perSegment = Math.round(settings.targetDuration / settings.partSeconds);
  const partMs = settings.partSeconds * 1000;
  const client = createEdgeClient({ edgeUrl, streamId: stream, publishKey: await derivePublishKey(secret, stream) });
  const { session } = await client.openSession({
    targetDuration: settings.targetDuration,
    partTarget: settings.partSeconds,
  });
  const init = liveNames.init(o.rendition, session);
  await client.putObject(init, randomBytes(800));

  /** When each measured part's PUT started (performance.now()), by partKey. */
  const putStarted = new Map<number, number>();
  let lastPublished = -1;
  const publishPart = async (msn: number, part: number, chunks: Uint8Array[], measured: boolean) => {
    const bytes = randomBytes(o.partBytes);
    chunks.push(bytes);
    if (measured) putStarted.set(partKey({ msn, part }), performance.now());
    await client.putPart(liveNames.part(o.rendition, session, msn, part), bytes, {
      duration: settings.partSeconds,
      independent: part === 0,
    });
    lastPublished = partKey({ msn, part });
  };
  const commitSegment = async (msn: number, chunks: Uint8Array[]) => {
    const bytes = Buffer.concat(chunks);
    const commit: SegmentCommit = {
      rendition: o.rendition,
      msn,
      name: liveNames.segment(o.rendition, session, msn),
      init,
      duration: perSegment * settings.partSeconds,
      sha256: await sha256Hex(bytes),
      programDateTime: new Date().toISOString(),
      discontinuity: false,
    };
    await client.putObject(commit.name, bytes);
    await client.commit(commit);
  };

  // Segment 0 whole, so there is a playlist to start from; its parts are not measured.
  const first: Uint8Array[] = [];
  for (let part = 0; part < perSegment; part++) await publishPart(0, part, first, false);
  await commitSegment(0, first);

  const base = `${edgeUrl}/v1/streams/${stream}/${o.rendition}`;
  const plainUrl = `${base}/live.m3u8`;
  const stop = new AbortController();
  let running = true;
  let httpRequests = 0;
  let failures = 0;
  let synced = 0;
  let inFlight = 0;
  /** Set while the counters are read: naive pollers wait here, so no request is half counted (by the Worker, not yet by the coordinator). */
  let gate: Promise<void> | undefined;

  /** One GET: its body as text, or undefined (counted) when it failed, timed out or was not 2xx. */
  const get = async (url: string, as: 'text' | 'bytes'): Promise<string | undefined> => {
    httpRequests++;
    inFlight++;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(o.requestTimeoutMs)]),
      });
      if (!response.ok) {
        await response.body?.cancel();
        failures++;
        return undefined;
      }
      if (as === 'bytes') {
        await response.arrayBuffer();
        return '';
      }
      return await response.text();
    } catch {
      if (!stop.signal.aborted) failures++;
      return undefined;
    } finally {
      inFlight--;
    }
  };

  /**
   * The counters, read while they stand still: naive pollers are paused and their requests drained first;
   * blocking pollers are all held on the coordinator by then (counted on both sides), after a moment to get there.
   */
  const settledCounters = async (): Promise<PartsCounters> => {
    if (mode === 'blocking') {
      await sleep(500);
      return readCounters(stream);
    }
    let release = () => {};
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const drainDeadline = performance.now() + o.catchUpMs;
    while (inFlight > 0 && performance.now() < drainDeadline) await sleep(20);
    try {
      return await readCounters(stream);
    } finally {
      gate = undefined;
      release();
    }
  };

  interface Seen {
    listed: Map<number, number>;
    fetched: Map<number, number>;
  }
  const seen: Seen[] = [];

  const poller = async () => {
    const mine: Seen = { listed: new Map(), fetched: new Map() };
    seen.push(mine);
    let view: LlPlaylistView = { parts: [] };
    for (let tries = 0; running && tries < 20; tries++) {
      const text = await get(plainUrl, 'text');
      if (text !== undefined) {
        view = readLlPlaylist(text, o.rendition);
        break;
      }
      await sleep(partMs);
    }
    synced++;
    /** The last part this poller holds (or, at the start, chose not to fetch). */
    let have = Math.max(-1, ...view.parts.map(partKey));
    const fetchPart = async (ref: PartRef) => {
      if ((await get(`${base}/${ref.uri}`, 'bytes')) !== undefined) mine.fetched.set(partKey(ref), performance.now());
    };
    /** Notes the parts a fresh playlist lists past `have`, and fetches those not fetched yet, in order. */
    const takeNew = async (next: LlPlaylistView, at: number) => {
      const fresh = next.parts.filter((p) => partKey(p) > have);
      for (const p of fresh) if (!mine.listed.has(partKey(p))) mine.listed.set(partKey(p), at);
      for (const p of fresh) {
        if (!running && stop.signal.aborted) return;
        if (!mine.fetched.has(partKey(p))) await fetchPart(p);
      }
      have = Math.max(have, ...fresh.map(partKey));
    };

    while (running) {
      if (mode === 'naive') {
        if (gate) await gate;
        const text = await get(plainUrl, 'text');
        if (text !== undefined) await takeNew(readLlPlaylist(text, o.rendition), performance.now());
        await sleep(partMs / 2);
        continue;
      }
      const hint = view.hint;
      if (!hint) {
        // No hint (the stream ended, or an error answer): start again from the plain playlist.
        await sleep(partMs / 2);
        const text = await get(plainUrl, 'text');
        if (text !== undefined) view = readLlPlaylist(text, o.rendition);
        continue;
      }
      const [text] = await Promise.all([
        get(`${plainUrl}?_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`, 'text'),
        fetchPart(hint),
      ]);
      if (text === undefined) {
        view = { parts: [] };
        continue;
      }
      view = readLlPlaylist(text, o.rendition);
      await takeNew(view, performance.now());
    }
  };

  const polling = Array.from({ length: settings.pollers }, poller);
  const syncDeadline = performance.now() + 30_000;
  while (synced < settings.pollers && performance.now() < syncDeadline) await sleep(100);
  // Blocking pollers are now held on the first measured part: their calls for it are counted before, as the
  // calls for the part after the last are counted within.
  await sleep(500);
  const before = await settledCounters();
  const requestsBefore = httpRequests;
  const failuresBefore = failures;

  const start = performance.now();
  let index = 0;
  for (let msn = 1; msn <= settings.segments; msn++) {
    const chunks: Uint8Array[] = [];
    for (let part = 0; part < perSegment; part++) {
      index++;
      const due = start + index * partMs;
      await sleep(Math.max(0, due - performance.now()));
      await publishPart(msn, part, chunks, true);
    }
    await commitSegment(msn, chunks);
    progress(`\r${mode}: ${msn}/${settings.segments} segments, ${httpRequests} requests, ${failures} failures`);
  }
  const lastMeasured = lastPublished;
  const caughtUp = () => seen.every((s) => s.fetched.has(lastMeasured) && s.listed.has(lastMeasured));
  const catchUpDeadline = performance.now() + o.catchUpMs;
  await sleep(partMs);
  while (!caughtUp() && performance.now() < catchUpDeadline) await sleep(100);
  const after = await settledCounters();
  const measuredRequests = httpRequests - requestsBefore;
  const measuredFailures = failures - failuresBefore;

  // Stop: one more part releases the held requests; whatever is still waiting after stopMs is aborted.
  running = false;
  await publishPart(settings.segments + 1, 0, [], false).catch(() => {});
  await Promise.race([Promise.all(polling), sleep(o.stopMs)]);
  stop.abort();
  await Promise.all(polling);
  progress('\n');

  const lagsMs: number[] = [];
  let missed = 0;
  for (const s of seen) {
    for (const [key, startedAt] of putStarted) {
      const listed = s.listed.get(key);
      const fetched = s.fetched.get(key);
      if (listed === undefined || fetched === undefined) missed++;
      else lagsMs.push(Math.max(listed, fetched) - startedAt);
    }
  }
  return {
    mode,
    parts: putStarted.size,
    pollers: settings.pollers,
    httpRequests: measuredRequests,
    failures: measuredFailures,
    before,
    after,
    lagsMs,
    missed,
  };
}
