/**
 * The publisher is killed outright (SIGKILL to it and its ffmpeg: no handler
 * runs) half-way through a segment, while the edge is slow and work is queued
 * on disk; then it is started again on the same queue. The queue must replay:
 * every segment queued at the kill reaches the stream, once, in order, with
 * its hash, and the new session follows after a discontinuity.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIngestProxy } from '../ingest-proxy';
import { queuedOnDisk } from '../queue-dir';
import {
  drillSecret,
  killPublisher,
  publisherNotes,
  spawnPublisher,
  startDrillEdge,
  until,
  untilCommitted,
} from '../stack';
import { checkStream, createKeepingStream } from '../stream-check';
import type { Drill } from '../types';

export const publisherKill: Drill = {
  name: 'publisher-kill',
  title: 'publisher killed with SIGKILL mid-segment, then restarted',
  holds: 'the queue replays; no segment is lost or sent twice',
  browserless: true,
  sampleSeconds: [2, 5],
  timeoutSeconds: [180, 420],
  async run(ctx) {
    const stream = 'drill-kill';
    const queueDir = join(ctx.work, 'queue');
    const streamQueue = join(queueDir, stream); // the CLI queues per stream under EDGESWARM_QUEUE_DIR
    const slowSeconds = ctx.quick ? 6 : 20;
    const edge = await startDrillEdge(ctx.work);
    const proxy = await startIngestProxy(edge.url);
    const publishers: ReturnType<typeof spawnPublisher>[] = [];
    try {
      await createKeepingStream(edge.url, drillSecret, stream);
      const first = spawnPublisher({ stream, edgeUrl: proxy.url, queueDir });
      publishers.push(first);
      await untilCommitted(edge.url, stream, ctx.quick ? 1 : 5, 90_000);
      ctx.log(`publishing; the edge stalls for ${slowSeconds} s (requests held), so work queues on disk`);
      proxy.setMode('hold');
      await sleep(slowSeconds * 1000);
      // Mid-segment: a segment was queued just now, so ffmpeg is half-way through the next one.
      const depth = queuedOnDisk(streamQueue).length;
      await until('a segment queued', () => (queuedOnDisk(streamQueue).length > depth ? true : undefined), 15_000);
      await sleep(1000);
      const killed = killPublisher(first);
      await first.done;
      const queued = queuedOnDisk(streamQueue);
      const queuedCommits = queued.flatMap((q) => (q.commit ? [q.commit] : []));
      ctx.log(
        `SIGKILL to ${killed.join(', ')}; ${queued.length} items left on disk, ${queuedCommits.length} of them segments`,
      );
      ctx.figure('queued at kill', queuedCommits.length);
      proxy.setMode('pass');

      const second = spawnPublisher({ stream, edgeUrl: proxy.url, queueDir, durationSeconds: ctx.quick ? 6 : 30 });
      publishers.push(second);
      const done = await second.done;
      ctx.check(
        'restarted publisher exits 0',
        done.code === 0,
        `exit ${done.code}; ${publisherNotes(done.stderr).join(' | ')}`,
      );
      const replay = /delivering (\d+) queued items left by an earlier run/.exec(done.stderr);
      ctx.check(
        'the queue replays first',
        Number(replay?.[1] ?? 0) === queued.length,
        replay?.[0] ?? 'no replay announced',
      );

      const check = await checkStream(edge.url, stream);
      const listed = new Set(check.names);
      const lost = queuedCommits.filter((name) => !listed.has(name));
      const resent = [...proxy.counts.commits.values()].reduce((s, c) => s + c.duplicate, 0);
      const twice = [...proxy.counts.commits].filter(([, c]) => c.appended > 1).map(([name]) => name);
      ctx.figure('segments', check.segments);
      ctx.figure('sessions', check.sessions.length);
      ctx.figure('lost', lost.length);
      ctx.figure('re-sent', resent);
      ctx.check(
        'queued segments all delivered',
        queuedCommits.length > 0 && lost.length === 0,
        `${queuedCommits.length} queued at the kill, ${lost.length} missing${lost.length ? `: ${lost.slice(0, 5).join(', ')}` : ''}`,
      );
      ctx.check(
        'each segment once, in order, with its hash',
        check.problems.length === 0,
        check.problems.slice(0, 5).join('; ') || `${check.segments} segments, ${check.renditions} renditions`,
      );
      ctx.check(
        'nothing appended twice',
        twice.length === 0 && resent <= 1,
        `${twice.length} appended twice; ${resent} commits re-sent (the edge answered duplicate; at most the one in flight at the kill)`,
      );
      ctx.check(
        'a new session after the kill, the stream ended',
        check.state === 'ended' && check.sessions.join(',') === '0,1',
        `state ${check.state}, sessions ${check.sessions.join(', ')}`,
      );
    } finally {
      for (const p of publishers) if (p.output().code === null) killPublisher(p);
      await proxy.close();
      await edge.stop();
    }
  },
};
