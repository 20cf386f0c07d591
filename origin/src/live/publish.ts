/**
 * `publish`: a live stream from a source through ffmpeg to the edge.
 *
 * ffmpeg encodes the ladder into a work folder. A watcher picks up each
 * finished segment, hashes it and enqueues "PUT, then commit" on disk; the
 * uploader drains that queue in order, retrying while the edge is away.
 * Stopping (Ctrl-C, --duration, or the source ending) lets ffmpeg finish the
 * segment in hand, drains the queue, and ends the stream.
 *
 * With parts (LL-HLS, `--parts`), ffmpeg writes each rendition as a
 * fragmented MP4 to a pipe instead; every fragment is queued as a part the
 * moment it is complete, and each segment, exactly its parts concatenated,
 * is queued as before ("PUT, then commit") once its parts add up to it.
 *
 * RTMP runs in takes: one per encoder push, each with an ffmpeg of its own and a
 * ladder built from the push's own picture. When the encoder goes away the
 * stream stays open for the grace period; a push within it opens a new
 * publisher session (new object names, a discontinuity, as a restarted
 * publisher does), and only the grace period running out, or Ctrl-C, ends it.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
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
import { InputError, isDiskFull, QueueFullError, ToolError } from '../errors';
import { fragmentedOutputArgs } from '../ffmpeg/fragmented-args';
import { encodeArgs, ffmpegPreamble, hlsMuxArgs } from '../ffmpeg/hls-args';
import { locate } from '../ffmpeg/locate';
import { probe } from '../ffmpeg/probe';
import { buildLadder, type Rendition } from '../ladder';
import { createPartSplitter, partPlan, type SplitEvent } from './fmp4-parts';
import { anchoredProgramDateTime, ladderForTake, ladderSourceFor } from './incoming-stream';
import { DiskQueue } from './queue';
import { type RtmpGate, type RtmpPush, startRtmpGate } from './rtmp-gate';
import { newSegments } from './segment-watcher';
import { rtmpServer, type Source, sourceDefaults, sourceInputArgs } from './sources';
import { bitrateKbps, formatStatus, publishLagSeconds } from './status-line';
import { afterTake } from './take-plan';
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
  /** LL-HLS parts of this many seconds (partDefaults.partSeconds is the usual choice); absent: plain HLS. */
  parts?: number;
}

export const partDefaults = {
  partSeconds: 0.5,
  /** Shorter parts cost more requests than they save latency. */
  minPartSeconds: 0.1,
} as const;

export interface PublishSummary {
  /** The last publisher session; an RTMP encoder that came back opened one per push. */
  session: number;
  sessions: number[];
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
  /** ffmpeg's PROGRAM-DATE-TIME of this take's first segment, the origin of anchored stamps. */
  ffmpegFirstMs?: number;
  /** With parts: seconds of this rendition's media in this take before the segment in hand. */
  takeSeconds: number;
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
  const partSeconds = options.parts;
  if (
    partSeconds !== undefined &&
    !(Number.isFinite(partSeconds) && partSeconds >= partDefaults.minPartSeconds && partSeconds <= segmentSeconds / 2)
  ) {
    throw new InputError(
      `parts must last from ${partDefaults.minPartSeconds} s to half a segment (${segmentSeconds / 2} s), not ${partSeconds}`,
    );
  }
  /** The session options: with parts, the PART-TARGET their frame rate gives (live/fmp4-parts.ts partPlan). */
  const sessionOptions = (frameRate: number) => ({
    targetDuration: segmentSeconds,
    ...(partSeconds === undefined ? {} : { partTarget: partPlan(partSeconds, frameRate).partTarget }),
  });
  const source = options.source;
  const graceSeconds = source.kind === 'rtmp' ? (source.graceSeconds ?? sourceDefaults.rtmpGraceSeconds) : 0;
  if (!(Number.isFinite(graceSeconds) && graceSeconds >= 0 && graceSeconds <= 24 * 3600)) {
    throw new InputError(`the grace period must be from 0 to 86400 seconds, not ${graceSeconds}`);
  }
  // For rtmp this is the fallback: each push's ladder follows its own picture once it is known.
  const described = await describeSource(source, options.assumeAudio ?? true);
  let renditions = buildLadder(described);

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
    let partsRefused = 0;
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
        lagSeconds.push(publishLagSeconds(at, item.commit.programDateTime, item.commit.duration));
      },
      onWarning: (item, warning) => log(`edge: ${item.commit ? `segment ${item.commit.name}: ` : ''}${warning}`),
      onRetry: (item, attempt, reason, delay) => {
        retrying = true;
        if (attempt === 1 || attempt % 10 === 0)
          log(`edge: ${reason}; retrying item ${item.seq} (attempt ${attempt}, next in ${delay} ms)`);
      },
      onRejected: (item, error) => {
        if (item.part) {
          // A part is worth seconds: one the edge no longer wants (its segment is complete) is simply dropped.
          partsRefused++;
          if (partsRefused === 1 || partsRefused % 100 === 0)
            log(`edge refused part ${item.part.name} (${partsRefused} so far): ${error.message}`);
          return;
        }
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
    const first = await sessionClient.openSession(sessionOptions(described.frameRate));
    let opened = first;
    const sessions = [first.session];
    playable = { playlist: first.playlist, watch: first.watch };
    const uploading = uploader.run();

    // RTMP: our own listener checks the stream key, then hands each push to an ffmpeg of its own.
    let gate: RtmpGate | undefined;
    if (source.kind === 'rtmp') {
      gate = await startRtmpGate({
        host: '127.0.0.1',
        port: source.port,
        keys: [options.publishKey, ...(source.key ? [source.key] : [])],
        log,
      }).catch(async (error: Error) => {
        uploader.stop();
        await uploading;
        throw new InputError(`cannot listen for RTMP on port ${source.port}: ${error.message}`);
      });
      log(
        `waiting for an RTMP encoder (OBS): server ${rtmpServer(source.port)}, stream key: ${source.key ? '--rtmp-key, or ' : ''}the publish key of stream ${streamName} (npm run key -- --stream ${streamName})`,
      );
    }

    let lastPrinted = 0;
    let endsAt: number | undefined; // while the encoder is away
    const showStatus = (force = false) => {
      const now = Date.now();
      const line = formatStatus(streamName, {
        renditions: renditions.length,
        kbps: bitrateKbps(samples, now),
        published,
        lagSeconds: lagSeconds.at(-1),
        queueDepth: queue.depth,
        retrying,
        ...(endsAt === undefined ? {} : { endsInSeconds: (endsAt - now) / 1000 }),
      });
      if (tty) statusStream.write(`\r${line}\x1b[K`);
      else if (force || now - lastPrinted >= 10_000) {
        statusStream.write(`${line}\n`);
        lastPrinted = now;
      }
    };
    const stopRequested = () => options.signal?.aborted ?? false;
    /** The queue's disk is full: stop (encoding on would only lose more), keep what is queued for the next run. */
    const stopForFullDisk = async (): Promise<never> => {
      uploader.stop();
      await uploading;
      if (tty) statusStream.write('\n');
      throw new QueueFullError(
        `the queue folder ${options.queueDir} is full (ENOSPC): encoding stopped; the ${queue.depth} items queued are kept there and are delivered first by the next run once there is space`,
      );
    };
    let mediaSeconds = 0; // of the top rendition, over every take: --duration counts media, not gaps
    const lastQueuedMsn = new Map<string, number>();

    /** Waits for an accepted push, showing the status meanwhile; undefined on Ctrl-C or when `deadline` passes. */
    const awaitPush = async (active: RtmpGate, deadline: number | undefined): Promise<RtmpPush | undefined> => {
      const signals = [
        ...(options.signal ? [options.signal] : []),
        ...(deadline === undefined ? [] : [AbortSignal.timeout(Math.max(0, deadline - Date.now()))]),
      ];
      const waiting = active.nextPush(signals.length ? AbortSignal.any(signals) : undefined);
      endsAt = deadline;
      let settled = false;
      void waiting.finally(() => {
        settled = true;
      });
      while (!settled) {
        showStatus();
        await Promise.race([waiting, sleep(500)]);
      }
      endsAt = undefined;
      return waiting;
    };

    try {
      for (let take = 0; ; take++) {
        let push: RtmpPush | undefined;
        let planned = described;
        if (gate) {
          // The first push is waited for as long as it takes; a return only within the grace period.
          push = await awaitPush(gate, take === 0 ? undefined : Date.now() + graceSeconds * 1000);
          if (!push) {
            if (take > 0 && !stopRequested()) {
              if (tty) statusStream.write('\r\x1b[K');
              log(`rtmp: no encoder came back within ${graceSeconds} s; ending the stream`);
            }
            break;
          }
          const fromPush = ladderSourceFor(push.metadata, described);
          planned = fromPush;
          renditions = ladderForTake(fromPush, take === 0 ? undefined : renditions);
          if (fromPush.from === 'fallback')
            log(
              `rtmp: the encoder did not say its picture size; planning for ${described.width}x${described.height} (--size)`,
            );
          if (take > 0) {
            try {
              opened = await sessionClient.openSession(sessionOptions(planned.frameRate));
            } catch (error) {
              push.drop();
              if (stopRequested()) break; // Ctrl-C while waiting for the edge: end what was published
              throw error;
            }
            sessions.push(opened.session);
            if (tty) statusStream.write('\r\x1b[K');
            log(`rtmp: the encoder is back: session ${opened.session}, after a discontinuity`);
          }
        }
        log(
          `session ${opened.session}: ${renditions.map((r) => `${r.width}x${r.height}@${r.videoKbps}k`).join(', ')}, ${segmentSeconds} s segments`,
        );
        const outcome = await runTake(opened, planned, push);
        if (outcome.failed) {
          // Nothing was published by this take. The first one: a source that never worked is an error.
          // A later push that ffmpeg could not read: the stream is still open, keep waiting.
          if (!gate || (take === 0 && published + queue.depth === 0)) {
            await gate?.close();
            uploader.stop();
            await uploading;
            throw new ToolError(
              `ffmpeg stopped (exit ${outcome.code}) before producing any segment:\n  ${outcome.failed}`,
            );
          }
          log(`rtmp: ffmpeg could not read that push (exit ${outcome.code}): ${outcome.failed.split('\n').at(-1)}`);
        }
        const next = afterTake({
          rtmp: gate !== undefined,
          stopRequested: stopRequested(),
          graceSeconds,
          mediaSeconds,
          durationSeconds: options.durationSeconds,
          segmentSeconds,
        });
        if (next.kind === 'end') break;
        if (tty) statusStream.write('\r\x1b[K');
        log(
          `rtmp: the encoder went away; the stream stays open ${graceSeconds} s for it to come back (Ctrl-C ends it now)`,
        );
      }
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      return await stopForFullDisk();
    } finally {
      await gate?.close();
    }

    try {
      queue.enqueue({ end: true });
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      return await stopForFullDisk();
    }
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
    return {
      session: opened.session,
      sessions,
      playlistUrl: first.playlist,
      watchUrl: first.watch,
      segments: published,
      renditions,
      lagSeconds,
      rejected,
      announced,
    };

    /**
     * One ffmpeg, from start to exit: the whole run for a test pattern, a file or stdin; one push for RTMP.
     * `failed` holds ffmpeg's last words when it stopped with an error before a single segment.
     */
    async function runTake(
      session: typeof first,
      planned: { width: number; height: number; frameRate: number; hasAudio: boolean },
      push: RtmpPush | undefined,
    ): Promise<{ code: number | null; failed?: string }> {
      const lastMsn = new Map(session.stream.renditions.map((r) => [r.name, r.lastMsn]));
      const progress: RenditionProgress[] = renditions.map((rendition) => {
        // An earlier take's last segments may still be queued (the edge has not seen them yet): go on after them.
        const last = Math.max(lastMsn.get(rendition.name) ?? -1, lastQueuedMsn.get(rendition.name) ?? -1);
        return { rendition, seen: 0, nextMsn: last + 1, firstOfSession: last >= 0, initQueued: false, takeSeconds: 0 };
      });
      const work = mkdtempSync(join(tmpdir(), 'edgeswarm-live-'));
      const input = sourceInputArgs(source);
      const remaining = options.durationSeconds ? Math.max(segmentSeconds, options.durationSeconds - mediaSeconds) : 0;
      const encode = {
        renditions,
        segmentSeconds,
        frameRate: planned.frameRate,
        hasAudio: planned.hasAudio,
        audioKbps: 96,
        preset: 'veryfast',
        tune: 'zerolatency',
        audioInput: input.audioInput,
      };
      // With parts, rendition i is a fragmented MP4 on ffmpeg's fd 3 + i.
      const plan = partSeconds === undefined ? undefined : partPlan(partSeconds, planned.frameRate);
      const firstFd = 3;
      const args = [
        ...ffmpegPreamble,
        ...input.args,
        ...(remaining && !plan ? ['-t', String(remaining)] : []),
        ...(plan
          ? fragmentedOutputArgs({
              ...encode,
              fragmentSeconds: plan.fragmentSeconds,
              firstFd,
              ...(remaining ? { outputSeconds: remaining } : {}),
            })
          : [
              ...encodeArgs(encode),
              ...hlsMuxArgs({ outputDir: work, renditions, segmentSeconds, hasAudio: planned.hasAudio, live: true }),
            ]),
      ];
      const stdio: StdioOptions = [
        source.kind === 'stdin' ? 'inherit' : source.kind === 'rtmp' ? 'pipe' : 'ignore',
        'ignore',
        'pipe',
        ...(plan ? renditions.map(() => 'pipe' as const) : []),
      ];
      const ffmpeg: ChildProcess = spawn(locate('ffmpeg'), args, { stdio });
      let ffmpegErrors = '';
      ffmpeg.stderr?.on('data', (chunk) => {
        ffmpegErrors = (ffmpegErrors + chunk).slice(-2000);
      });
      if (push && ffmpeg.stdin) push.pipe(ffmpeg.stdin);
      const ffmpegExit = new Promise<number | null>((resolve) => ffmpeg.on('exit', (code) => resolve(code)));
      let ffmpegDone = false;
      void ffmpegExit.then(() => {
        ffmpegDone = true;
      });
      let masterQueued = false;
      let queuedThisTake = 0;

      /** Moves every finished segment from ffmpeg's folder into the queue, in order. */
      const scan = () => {
        for (const [index, p] of progress.entries()) {
          const dir = join(work, `v${index}`);
          const playlistFile = join(dir, 'index.m3u8');
          if (!existsSync(playlistFile)) continue;
          const parsed = parsePlaylist(readFileSync(playlistFile, 'utf8'));
          if (!parsed.ok || parsed.value.type !== 'media') continue; // mid-rewrite: next scan
          for (const segment of newSegments(p.rendition.name, dir, parsed.value, p.seen)) {
            const initName = liveNames.init(p.rendition.name, session.session);
            if (!p.initQueued) {
              queue.enqueue({ put: { name: initName } }, readFileSync(segment.initFile));
              p.initQueued = true;
            }
            if (!masterQueued && progress.every((q) => q.initQueued))
              masterQueued = queueMaster(work, queue, renditions, planned.frameRate);
            const bytes = readFileSync(segment.file);
            const ffmpegMs = Date.parse(segment.programDateTime);
            p.ffmpegFirstMs ??= ffmpegMs;
            // A push's frames are stamped from their arrival, not from ffmpeg's start (see anchoredProgramDateTime).
            const stamp = push?.firstMediaAt
              ? anchoredProgramDateTime(ffmpegMs, p.ffmpegFirstMs, push.firstMediaAt)
              : ffmpegMs;
            const commit: SegmentCommit = {
              rendition: p.rendition.name,
              msn: p.nextMsn,
              name: liveNames.segment(p.rendition.name, session.session, p.nextMsn),
              init: initName,
              duration: segment.duration,
              sha256: createHash('sha256').update(bytes).digest('hex'),
              programDateTime: new Date(stamp).toISOString(),
              discontinuity: p.firstOfSession,
            };
            queue.enqueue({ put: { name: commit.name }, commit }, bytes);
            lastQueuedMsn.set(p.rendition.name, p.nextMsn);
            rmSync(segment.file, { force: true });
            samples.push({ at: Date.now(), bytes: bytes.byteLength });
            if (index === 0) mediaSeconds += segment.duration;
            queuedThisTake++;
            p.seen++;
            p.nextMsn++;
            p.firstOfSession = false;
          }
        }
        uploader.notify();
      };

      /** Wall-clock time of this take's first frame: parts' segments are stamped from it and their media time. */
      let anchorMs: number | undefined;
      /** With parts: each fragment is queued as a part as it completes, each segment once its parts add up to it. */
      const onPartEvent = (p: RenditionProgress, index: number, event: SplitEvent) => {
        const initName = liveNames.init(p.rendition.name, session.session);
        if (event.kind === 'init') {
          queue.enqueue({ put: { name: initName } }, event.bytes);
          p.initQueued = true;
          if (!masterQueued && progress.every((q) => q.initQueued))
            masterQueued = queueMaster(work, queue, renditions, planned.frameRate);
        } else if (event.kind === 'part') {
          anchorMs ??= push?.firstMediaAt ?? Date.now() - event.duration * 1000;
          const name = liveNames.part(p.rendition.name, session.session, p.nextMsn, event.part);
          queue.enqueue({ part: { name, duration: event.duration, independent: event.independent } }, event.bytes);
        } else {
          const commit: SegmentCommit = {
            rendition: p.rendition.name,
            msn: p.nextMsn,
            name: liveNames.segment(p.rendition.name, session.session, p.nextMsn),
            init: initName,
            duration: event.duration,
            sha256: createHash('sha256').update(event.bytes).digest('hex'),
            programDateTime: new Date((anchorMs ?? Date.now()) + p.takeSeconds * 1000).toISOString(),
            discontinuity: p.firstOfSession,
          };
          queue.enqueue({ put: { name: commit.name }, commit }, event.bytes);
          lastQueuedMsn.set(p.rendition.name, p.nextMsn);
          samples.push({ at: Date.now(), bytes: event.bytes.byteLength });
          if (index === 0) mediaSeconds += event.duration;
          queuedThisTake++;
          p.takeSeconds += event.duration;
          p.nextMsn++;
          p.firstOfSession = false;
        }
        uploader.notify();
      };
      const pipesClosed = plan
        ? progress.map((p, index) => {
            const splitter = createPartSplitter({ segmentSeconds, partSeconds: plan.fragmentSeconds });
            const pipe = ffmpeg.stdio[firstFd + index] as Readable;
            const handle = (events: SplitEvent[]) => {
              for (const event of events) onPartEvent(p, index, event);
            };
            pipe.on('data', (chunk: Buffer) => handle(splitter.push(new Uint8Array(chunk))));
            return new Promise<void>((resolve) =>
              pipe.on('close', () => {
                handle(splitter.end());
                resolve();
              }),
            );
          })
        : [];

      let code: number | null;
      try {
        while (!ffmpegDone && !stopRequested()) {
          if (!plan) scan();
          showStatus();
          await sleep(250);
        }
        if (!ffmpegDone) {
          ffmpeg.kill('SIGINT'); // ffmpeg finishes the segment in hand and its playlists
          push?.drop();
        }
        code = await ffmpegExit;
        if (plan) await Promise.all(pipesClosed);
        else scan();
      } catch (error) {
        // The queue could not take a segment (a full disk): encoding on would only lose more. What is queued stays.
        if (!ffmpegDone) ffmpeg.kill('SIGKILL');
        push?.drop();
        await ffmpegExit;
        throw error;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      if (code !== 0 && code !== 255 && !stopRequested() && queuedThisTake === 0) {
        return { code, failed: ffmpegErrors.trim().split('\n').slice(-3).join('\n  ') };
      }
      return { code };
    }
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
