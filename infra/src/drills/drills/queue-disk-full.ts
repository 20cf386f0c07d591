/**
 * The publisher's queue disk fills up: its queue folder is a 1 MB tmpfs
 * (mounted in the drill's own mount namespace) and the edge is unreachable,
 * so segments pile up until a write fails. The publisher must stop with a
 * clear error (not hang, not crash without saying why), keep what is already
 * queued, and a publisher started after space returns must deliver all of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIngestProxy } from '../ingest-proxy';
import { queuedOnDisk } from '../queue-dir';
import { drillSecret, killPublisher, publisherNotes, spawnPublisher, startDrillEdge, untilCommitted } from '../stack';
import { checkStream, createKeepingStream } from '../stream-check';
import type { Drill } from '../types';

export const queueDiskFull: Drill = {
  name: 'queue-disk-full',
  title: "publisher's queue disk full",
  holds: 'a clear error; what is already queued is kept and delivered after space returns',
  browserless: true,
  sampleSeconds: [2, 5],
  timeoutSeconds: [180, 300],
  async run(ctx) {
    const stream = 'drill-disk-full';
    const queueDir = join(ctx.work, 'queue');
    mkdirSync(queueDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'drill-queue', queueDir]);
    const edge = await startDrillEdge(ctx.work);
    const proxy = await startIngestProxy(edge.url);
    const publishers: ReturnType<typeof spawnPublisher>[] = [];
    try {
      await createKeepingStream(edge.url, drillSecret, stream);
      const first = spawnPublisher({ stream, edgeUrl: proxy.url, queueDir, durationSeconds: 120 });
      publishers.push(first);
      await untilCommitted(edge.url, stream, 1, 90_000);
      proxy.setMode('down');
      ctx.log('the edge is unreachable; the 1 MB queue disk fills');
      let fullAt: number | undefined;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && first.output().code === null) {
        if (fullAt === undefined && /ENOSPC|no space/i.test(first.output().stderr)) fullAt = Date.now();
        // Given 15 s after it said so to stop by itself.
        if (fullAt !== undefined && Date.now() - fullAt > 15_000) break;
        await sleep(250);
      }
      const stillRunning = first.output().code === null;
      if (stillRunning) killPublisher(first);
      const ended = await first.done;
      const said = ended.stderr.split(/[\r\n]+/).find((l) => /ENOSPC|no space left/i.test(l));
      ctx.check('the disk filled and the publisher said so', said !== undefined, said ?? 'no error about the disk');
      ctx.check(
        'the publisher stopped, not hung',
        !stillRunning && ended.code !== 0,
        stillRunning ? 'still running 15 s after the disk filled (killed)' : `exit ${ended.code}`,
      );
      const queued = queuedOnDisk(join(queueDir, stream));
      const queuedCommits = queued.flatMap((q) => (q.commit ? [q.commit] : []));
      ctx.figure('queued when full', queuedCommits.length);

      execFileSync('mount', ['-o', 'remount,size=64m', queueDir]);
      proxy.setMode('pass');
      ctx.log(`space is back (64 MB) and so is the edge; ${queued.length} items are queued`);
      const second = spawnPublisher({ stream, edgeUrl: proxy.url, queueDir, durationSeconds: 6 });
      publishers.push(second);
      const done = await second.done;
      ctx.check(
        'the next publisher exits 0',
        done.code === 0,
        `exit ${done.code}; ${publisherNotes(done.stderr, 3).join(' | ')}`,
      );
      const check = await checkStream(edge.url, stream);
      const listed = new Set(check.names);
      const lost = queuedCommits.filter((name) => !listed.has(name));
      ctx.figure('lost', lost.length);
      ctx.figure('segments', check.segments);
      ctx.check(
        'what was queued is delivered',
        queuedCommits.length > 0 && lost.length === 0,
        `${queuedCommits.length} queued when the disk was full, ${lost.length} missing`,
      );
      ctx.check(
        'each segment once, in order, with its hash',
        check.problems.length === 0,
        check.problems.slice(0, 5).join('; ') || `${check.segments} segments, ${check.renditions} renditions`,
      );
    } finally {
      for (const p of publishers) if (p.output().code === null) killPublisher(p);
      await proxy.close();
      await edge.stop();
      try {
        execFileSync('umount', [queueDir]);
      } catch {}
    }
  },
};
