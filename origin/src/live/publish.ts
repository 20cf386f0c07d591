/**
 * `publish`: a live stream from a source through ffmpeg to the edge.
 *
 * ffmpeg encodes the ladder into a work folder. A watcher picks up each
 * finished segment, hashes it and enqueues "PUT, then commit" on disk; the
 * uploader drains that queue in order, retrying while the edge is away.
 * Stopping (Ctrl-C, --duration, or the source ending) lets ffmpeg finish the
 * segment in hand, drains the queue, and ends the stream.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  liveNames,
  parsePlaylist,
  renderMultivariantPlaylist,
  type SegmentCommit,
  validateStreamId,
} from '@edgeswarm/protocol';
import { acquireDirLock } from '../dir-lock';
import { createEdgeClient } from '../edge-client';
import { InputError, ToolError } from '../errors';
import { encodeArgs, ffmpegPreamble, hlsMuxArgs } from '../ffmpeg/hls-args';
import { locate } from '../ffmpeg/locate';
import { probe } from '../ffmpeg/probe';
import { buildLadder, type Rendition } from '../ladder';
import { DiskQueue } from './queue';
import { startRtmpGate } from './rtmp-gate';
import { newSegments } from './segment-watcher';
import { rtmpServer, type Source, sourceDefaults, sourceInputArgs } from './sources';
import { bitrateKbps, formatStatus } from './status-line';
import { Uploader, uploaderRetry } from './uploader';

export interface PublishOptions {
  streamId: string;
  edgeUrl: string;
  publishKey: string;
  source: Source;
  segmentSeconds?: number;
  /** Where queued work waits for the edge; survives restarts of the publisher. */
  queueDir: string;
  /** Stop by itself after this many seconds of media. */
  durationSeconds?: number;
  /** Aborting stops the stream cleanly (Ctrl-C). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Status line sink; a TTY gets one line redrawn in place. */
  status?: NodeJS.WriteStream;
  /** Sources that cannot be probed ahead (rtmp, stdin) are assumed to carry audio unless told otherwise. */
  assumeAudio?: boolean;
  /** Called once, when the stream is playable at the edge (its playlists answer, with a segment). */
  onPlayable?: (urls: { playlist: string; watch: string }) => void;
}

export interface PublishSummary {
  session: number;
  playlistUrl: string;
  watchUrl: string;
  segments: number;
  renditions: Rendition[];
  /** Seconds from each segment's last frame to its commit at the edge. */
  lagSeconds: number[];
  rejected: number;
  /** Whether onPlayable was called (a stream stopped early may never have been playable). */
  announced: boolean;
}

interface RenditionProgress {
  rendition: Rendition;
  seen: number;
  nextMsn: number;
  firstOfSession: boolean;
  initQueued: boolean;
}

async function describeSource(source: Source, assumeAudio: boolean) {
  if (source.kind === 'testpattern') return { ...source, hasAudio: true };
  if (source.kind === 'file') {
    if (!existsSync(source.path)) throw new InputError(`cannot read ${source.path}: ENOENT`);
    const info = await probe(source.path);
    return { width: info.width, height: info.height, frameRate: info.frameRate, hasAudio: info.hasAudio };
  }
  // rtmp and stdin can't be probed before they connect: plan for the defaults, ffmpeg scales whatever arrives.
  return {
    width: sourceDefaults.width,
    height: sourceDefaults.height,
    frameRate: sourceDefaults.frameRate,
    hasAudio: assumeAudio,
  };
}

export async function publishLive(options: PublishOptions): Promise<PublishSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const statusStream = options.status ?? process.stderr;
  const segmentSeconds = options.segmentSeconds ?? 2;
  const stream = validateStreamId(options.streamId);
  if (!stream.ok) throw new InputError(`--stream: ${stream.reason}`);
  const streamName = stream.value;
  if (!(Number.isInteger(segmentSeconds) && segmentSeconds >= 1 && segmentSeconds <= 10)) {
    throw new InputError(`segment duration must be a whole number of seconds from 1 to 10, not ${segmentSeconds}`);
  }
  const described = await describeSource(options.source, options.assumeAudio ?? true);
  const renditions = buildLadder(described);

  let retrying = false;
  const client = createEdgeClient({
    edgeUrl: options.edgeUrl,
    streamId: streamName,
    publishKey: options.publishKey,
    retry: { retries: 0, baseMs: 0, maxMs: 0 }, // the uploader owns retries
  });
  // One publisher per queue: two would drain it into one stream and refuse each other's commits.
  const queueLock = acquireDirLock(
    options.queueDir,
    `a publisher of stream ${streamName}`,
    'give this one another --queue-dir (or EDGESWARM_QUEUE_DIR)',
  );
  try {
    return await publishWithLock();
  } finally {
    queueLock.release();
  }

  async function publishWithLock(): Promise<PublishSummary> {
    const queue = new DiskQueue(options.queueDir);
    const lagSeconds: number[] = [];
    const samples: { at: number; bytes: number }[] = [];
    let published = 0;
    let rejected = 0;
    let masterDelivered = false;
    let playable: { playlist: string; watch: string } | undefined;
    let checkingPlayable = false;
    let announced = false;
    const tty = Boolean(statusStream.isTTY);
    /**
     * The URLs are announced once, when a viewer would get the stream: the multivariant playlist
     * answers 200 and a media playlist lists a segment. On a TTY the status line is cleared first,
     * so the URLs get lines of their own.
     */
    const announceIfPlayable = async (rendition: string) => {
      if (!playable) return;
      checkingPlayable = true;
      try {
        const master = await fetch(playable.playlist, { signal: AbortSignal.timeout(5000) });
        await master.body?.cancel();
        const media = await fetch(new URL(liveNames.playlist(rendition), playable.playlist), {
          signal: AbortSignal.timeout(5000),
        });
        const text = await media.text();
        if (!(master.ok && media.ok && /^#EXTINF:/m.test(text)) || !playable) return;
        const urls = playable;
        playable = undefined;
        announced = true;
        if (tty) statusStream.write('\r\x1b[K');
        options.onPlayable?.(urls);
      } catch {
        // not yet: the next commit asks again
      } finally {
        checkingPlayable = false;
      }
    };
    const uploader = new Uploader(queue, client, {
      onDone: (item, at) => {
        retrying = false;
        if (item.put?.name === 'master.m3u8') masterDelivered = true;
        if (!item.commit) return;
        if (masterDelivered && playable && !checkingPlayable) void announceIfPlayable(item.commit.rendition);
        published++;
        const end = Date.parse(item.commit.programDateTime) + item.commit.duration * 1000;
        lagSeconds.push((at - end) / 1000);
      },
      onRetry: (item, attempt, reason, delay) => {
        retrying = true;
        if (attempt === 1 || attempt % 10 === 0)
          log(`edge: ${reason}; retrying item ${item.seq} (attempt ${attempt}, next in ${delay} ms)`);
      },
      onRejected: (item, error) => {
        rejected++;
        log(`edge refused queued item ${item.seq}: ${error.message}`);
      },
    });

    if (queue.depth > 0) {
      log(`delivering ${queue.depth} queued items left by an earlier run…`);
      await uploader.run(true);
    }

    // The session number names this run's objects; wait for the edge as long as it takes.
    const sessionClient = createEdgeClient({
      edgeUrl: options.edgeUrl,
      streamId: streamName,
      publishKey: options.publishKey,
      retry: uploaderRetry,
      onRetry: (_what, attempt, reason) => {
        if (attempt === 1 || attempt % 10 === 0) log(`waiting for the edge (${reason})…`);
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const opened = await sessionClient.openSession({ targetDuration: segmentSeconds });
    const session = opened.session;
    playable = { playlist: opened.playlist, watch: opened.watch };
    const lastMsn = new Map(opened.stream.renditions.map((r) => [r.name, r.lastMsn]));
    const progress: RenditionProgress[] = renditions.map((rendition) => {
      const last = lastMsn.get(rendition.name) ?? -1;
      return { rendition, seen: 0, nextMsn: last + 1, firstOfSession: last >= 0, initQueued: false };
    });
    log(
      `session ${session}: ${renditions.map((r) => `${r.width}x${r.height}@${r.videoKbps}k`).join(', ')}, ${segmentSeconds} s segments`,
    );

    const work = mkdtempSync(join(tmpdir(), 'edgeswarm-live-'));
    const input = sourceInputArgs(options.source);
    const args = [
      ...ffmpegPreamble,
      ...input.args,
      ...(options.durationSeconds ? ['-t', String(options.durationSeconds)] : []),
      ...encodeArgs({
        renditions,
        segmentSeconds,
        frameRate: described.frameRate,
        hasAudio: described.hasAudio,
        audioKbps: 96,
        preset: 'veryfast',
        tune: 'zerolatency',
        audioInput: input.audioInput,
      }),
      ...hlsMuxArgs({ outputDir: work, renditions, segmentSeconds, hasAudio: described.hasAudio, live: true }),
    ];
    const source = options.source;
    const ffmpeg: ChildProcess = spawn(locate('ffmpeg'), args, {
      stdio: [source.kind === 'stdin' ? 'inherit' : source.kind === 'rtmp' ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    });
    let ffmpegErrors = '';
    ffmpeg.stderr?.on('data', (chunk) => {
      ffmpegErrors = (ffmpegErrors + chunk).slice(-2000);
    });
    // RTMP: our own listener checks the stream key, then hands ffmpeg the push as FLV.
    const gate =
      source.kind === 'rtmp' && ffmpeg.stdin
        ? await startRtmpGate({
            host: '127.0.0.1',
            port: source.port,
            keys: [options.publishKey, ...(source.key ? [source.key] : [])],
            output: ffmpeg.stdin,
            log,
          }).catch((error: Error) => {
            ffmpeg.kill('SIGKILL');
            throw new InputError(`cannot listen for RTMP on port ${source.port}: ${error.message}`);
          })
        : undefined;
    if (source.kind === 'rtmp') {
      log(
        `waiting for an RTMP encoder (OBS): server ${rtmpServer(source.port)}, stream key: ${source.key ? '--rtmp-key, or ' : ''}the publish key of stream ${streamName} (npm run key -- --stream ${streamName})`,
      );
    }
    const ffmpegExit = new Promise<number | null>((resolve) => ffmpeg.on('exit', (code) => resolve(code)));
    let ffmpegDone = false;
    void ffmpegExit.then(() => {
      ffmpegDone = true;
    });

    const uploading = uploader.run();
    let masterQueued = false;

    /** Moves every finished segment from ffmpeg's folder into the queue, in order. */
    const scan = () => {
      for (const [index, p] of progress.entries()) {
        const dir = join(work, `v${index}`);
        const playlistFile = join(dir, 'index.m3u8');
        if (!existsSync(playlistFile)) continue;
        const parsed = parsePlaylist(readFileSync(playlistFile, 'utf8'));
        if (!parsed.ok || parsed.value.type !== 'media') continue; // mid-rewrite: next scan
        for (const segment of newSegments(p.rendition.name, dir, parsed.value, p.seen)) {
          const initName = liveNames.init(p.rendition.name, session);
          if (!p.initQueued) {
            queue.enqueue({ put: { name: initName } }, readFileSync(segment.initFile));
            p.initQueued = true;
          }
          if (!masterQueued && progress.every((q) => q.initQueued))
            masterQueued = queueMaster(work, queue, renditions, described.frameRate);
          const bytes = readFileSync(segment.file);
          const commit: SegmentCommit = {
            rendition: p.rendition.name,
            msn: p.nextMsn,
            name: liveNames.segment(p.rendition.name, session, p.nextMsn),
            init: initName,
            duration: segment.duration,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            programDateTime: new Date(segment.programDateTime).toISOString(),
            discontinuity: p.firstOfSession,
          };
          queue.enqueue({ put: { name: commit.name }, commit }, bytes);
          rmSync(segment.file, { force: true });
          samples.push({ at: Date.now(), bytes: bytes.byteLength });
          p.seen++;
          p.nextMsn++;
          p.firstOfSession = false;
        }
      }
      uploader.notify();
    };

    let lastPrinted = 0;
    const showStatus = (force = false) => {
      const now = Date.now();
      const line = formatStatus(streamName, {
        renditions: renditions.length,
        kbps: bitrateKbps(samples, now),
        published,
        lagSeconds: lagSeconds.at(-1),
        queueDepth: queue.depth,
        retrying,
      });
      if (tty) statusStream.write(`\r${line}\x1b[K`);
      else if (force || now - lastPrinted >= 10_000) {
        statusStream.write(`${line}\n`);
        lastPrinted = now;
      }
    };

    const stopRequested = () => options.signal?.aborted ?? false;
    while (!ffmpegDone && !stopRequested()) {
      scan();
      showStatus();
      await sleep(250);
    }
    if (!ffmpegDone) ffmpeg.kill('SIGINT'); // ffmpeg finishes the segment in hand and its playlists
    await gate?.close();
    const code = await ffmpegExit;
    scan();
    if (code !== 0 && code !== 255 && !stopRequested() && published + queue.depth === 0) {
      uploader.stop();
      await uploading;
      rmSync(work, { recursive: true, force: true });
      throw new ToolError(
        `ffmpeg stopped (exit ${code}) before producing any segment:\n  ${ffmpegErrors.trim().split('\n').slice(-3).join('\n  ')}`,
      );
    }
    queue.enqueue({ end: true });
    uploader.notify();
    if (tty) statusStream.write('\n');
    log(`stopping: delivering ${queue.depth} queued items, then ending the stream…`);
    while (queue.depth > 0) {
      showStatus();
      await sleep(250);
    }
    uploader.stop();
    await uploading;
    showStatus(true);
    if (tty) statusStream.write('\n');
    rmSync(work, { recursive: true, force: true });
    return {
      session,
      playlistUrl: opened.playlist,
      watchUrl: opened.watch,
      segments: published,
      renditions,
      lagSeconds,
      rejected,
      announced,
    };
  }
}

/** The multivariant playlist points at the coordinator-rendered live playlists; CODECS come from ffmpeg's. */
function queueMaster(work: string, queue: DiskQueue, renditions: Rendition[], frameRate: number): boolean {
  const file = join(work, 'master.m3u8');
  const parsed = existsSync(file) ? parsePlaylist(readFileSync(file, 'utf8')) : undefined;
  const variants = parsed?.ok && parsed.value.type === 'multivariant' ? parsed.value.variants : [];
  const text = renderMultivariantPlaylist({
    version: 7,
    independentSegments: true,
    variants: renditions.map((r, i) => {
      const fromFfmpeg = variants[i];
      return {
        uri: liveNames.playlist(r.name),
        bandwidth: Math.max(fromFfmpeg?.bandwidth ?? 0, (r.videoKbps + 96) * 1000),
        resolution: { width: r.width, height: r.height },
        ...(fromFfmpeg?.codecs ? { codecs: fromFfmpeg.codecs } : {}),
        frameRate,
      };
    }),
  });
  queue.enqueue({ put: { name: 'master.m3u8' } }, new TextEncoder().encode(text));
  return true;
}
