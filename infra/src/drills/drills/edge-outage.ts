/**
 * The edge is unreachable from the publisher for a minute (every connection
 * cut by the drill's proxy) while it publishes. The publisher queues on disk
 * and retries; once the edge is back, every segment must be there once, in
 * order, with its hash, every rendition's playlist must end with ENDLIST, and
 * the edge must have appended them in order. (The edge's own processes
 * stopped and started again on their state is workerd-restart's fault.)
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIngestProxy } from '../ingest-proxy';
import { queuedOnDisk } from '../queue-dir';
import { drillSecret, killPublisher, publisherNotes, spawnPublisher, startDrillEdge, untilCommitted } from '../stack';
import { checkStream, createKeepingStream } from '../stream-check';
import type { Drill } from '../types';

/** Pure: commits the edge appended out of order (per rendition, each msn must follow the one before). */
export function outOfOrder(appended: readonly string[]): string[] {
  const last = new Map<string, number>();
  const wrong: string[] = [];
  for (const name of appended) {
    const match = /^(v\d+)\/s\d+-(\d+)\.m4s$/.exec(name);
    if (!match) continue;
    const [, rendition = '', msn] = match;
    const previous = last.get(rendition);
    if (previous !== undefined && Number(msn) !== previous + 1) wrong.push(name);
    last.set(rendition, Number(msn));
  }
  return wrong;
}

export const edgeOutage: Drill = {
  name: 'edge-outage',
  title: 'edge unreachable during a publish',
  holds: 'nothing lost, reordered or duplicated',
  browserless: true,
  sampleSeconds: [2, 5],
  timeoutSeconds: [180, 420],
  async run(ctx) {
    const stream = 'drill-outage';
    const outageSeconds = ctx.quick ? 10 : 60;
    const mediaSeconds = outageSeconds + (ctx.quick ? 16 : 40);
    const queueDir = join(ctx.work, 'queue');
    const edge = await startDrillEdge(ctx.work);
    const proxy = await startIngestProxy(edge.url);
    let publisher: ReturnType<typeof spawnPublisher> | undefined;
    try {
      await createKeepingStream(edge.url, drillSecret, stream);
      publisher = spawnPublisher({ stream, edgeUrl: proxy.url, queueDir, durationSeconds: mediaSeconds });
      await untilCommitted(edge.url, stream, 1, 90_000);
      ctx.log(`the edge is unreachable for ${outageSeconds} s`);
      proxy.setMode('down');
      let peak = 0;
      const downUntil = Date.now() + outageSeconds * 1000;
      while (Date.now() < downUntil) {
        peak = Math.max(peak, queuedOnDisk(join(queueDir, stream)).length);
        await sleep(500);
      }
      proxy.setMode('pass');
      const back = ctx.elapsed();
      ctx.log(`the edge is back; ${peak} items were queued at the most`);
      let drained: number | undefined;
      while (publisher.output().code === null) {
        if (drained === undefined && queuedOnDisk(join(queueDir, stream)).length <= 3) drained = ctx.elapsed() - back;
        await sleep(250);
      }
      const done = await publisher.done;
      ctx.check('publisher exits 0', done.code === 0, `exit ${done.code}; ${publisherNotes(done.stderr).join(' | ')}`);
      const retried = /^edge: .*retrying.*$/m.exec(done.stderr)?.[0];
      ctx.check('publisher said it was retrying', retried !== undefined, retried ?? 'nothing said');
      ctx.figure('outage s', outageSeconds);
      ctx.figure('peak queue', peak);
      if (drained !== undefined) ctx.figure('catch-up s', Number(drained.toFixed(1)));
      ctx.check('work queued during the outage', peak > 3, `${peak} items queued at the most`);

      const check = await checkStream(edge.url, stream);
      const wrong = outOfOrder(proxy.counts.appendedOrder);
      const twice = [...proxy.counts.commits].filter(([, c]) => c.appended > 1).map(([name]) => name);
      const perRendition = check.renditions ? check.segments / check.renditions : 0;
      const expected = Math.floor(mediaSeconds / 2) - 1;
      ctx.figure('segments', check.segments);
      ctx.figure('hash mismatches', check.hashMismatches);
      ctx.check(
        'each segment once, in order, with its hash; ENDLIST once ended',
        check.problems.length === 0,
        check.problems.slice(0, 5).join('; ') || `${check.segments} segments, ${check.renditions} renditions`,
      );
      ctx.check(
        'nothing lost',
        check.state === 'ended' && perRendition >= expected,
        `${perRendition} segments per rendition for ${mediaSeconds} s of media (at least ${expected}); state ${check.state}`,
      );
      ctx.check(
        'appended in order, never twice',
        wrong.length === 0 && twice.length === 0,
        `${wrong.length} out of order${wrong.length ? ` (${wrong.slice(0, 3).join(', ')})` : ''}, ${twice.length} twice`,
      );
    } finally {
      if (publisher && publisher.output().code === null) killPublisher(publisher);
      await proxy.close();
      await edge.stop();
    }
  },
};
