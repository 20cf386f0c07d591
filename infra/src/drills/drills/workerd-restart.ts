/**
 * workerd (the whole local edge: wrangler and every workerd it runs) is stopped
 * and started again on the same port and state while four viewers play a live
 * stream. Viewers ride it out on their buffers and must be playing again within
 * the deadline margin of the edge's return (a stall no longer than the restart
 * plus the margin), and the stream must come out whole: every segment published
 * before and after the restart once, in order, with its hash.
 */
import { policyDefaults } from '@edgeswarm/policy';
import { offloadPercent } from '../../cohort/records';
import { runSwarm } from '../../swarm';
import { drillSecret, startDrillEdge } from '../stack';
import { checkStream, createKeepingStream } from '../stream-check';
import type { Drill } from '../types';

export const workerdRestart: Drill = {
  name: 'workerd-restart',
  title: 'workerd restarted mid-live, 4 viewers playing',
  holds:
    'viewers play again within the deadline margin of the edge coming back; every segment once, in order, with its hash',
  sampleSeconds: [2, 5],
  timeoutSeconds: [240, 600],
  async run(ctx) {
    const stream = 'drill-restart';
    const viewers = 4;
    const stagger = ctx.quick ? 2 : 3;
    const lastJoin = (viewers - 1) * stagger;
    const restartAfter = ctx.quick ? 8 : 30;
    const edge = await startDrillEdge(ctx.work);
    let restarting: Promise<void> | undefined;
    let downSeconds: number | undefined;
    try {
      await createKeepingStream(edge.url, drillSecret, stream);
      const result = await runSwarm({
        viewers,
        seconds: ctx.quick ? 30 : 120,
        staggerSeconds: stagger,
        stream,
        edgeUrl: edge.url,
        log: ctx.log,
        events: [
          {
            atSeconds: lastJoin + restartAfter,
            run: async () => {
              // In the background, so the cohort keeps sampling the viewers meanwhile.
              restarting = (async () => {
                const t0 = performance.now();
                ctx.log('stopping workerd (wrangler and every workerd, by pid)');
                await edge.stop();
                await edge.start();
                downSeconds = (performance.now() - t0) / 1000;
                ctx.log(`workerd is back after ${downSeconds.toFixed(1)} s`);
              })();
            },
          },
        ],
      });
      await restarting;
      const margin = policyDefaults.minMarginSeconds;
      const stalled = result.viewers.map((v) => v.stalledMs / 1000);
      const maxStalled = Math.max(0, ...stalled);
      if (downSeconds !== undefined) ctx.figure('edge down s', Number(downSeconds.toFixed(1)));
      ctx.figure(
        'stalls',
        result.viewers.reduce((s, v) => s + v.stalls, 0),
      );
      ctx.figure('max stalled s', Number(maxStalled.toFixed(1)));
      // Fatal errors hls.js reported (and the player recovered from by loading again); 0 when its own retries sufficed.
      ctx.figure(
        'fatal errors',
        result.viewers.reduce((s, v) => s + v.errors.length, 0),
      );
      ctx.figure('offload %', Number(offloadPercent(result.viewers).toFixed(0)));
      ctx.check(
        'workerd restarted during playback',
        downSeconds !== undefined,
        downSeconds === undefined ? 'the restart never ran' : `down ${downSeconds.toFixed(1)} s`,
      );
      ctx.check(
        'every viewer played',
        result.viewers.length === viewers && result.viewers.every((v) => v.startupMs !== null),
        result.viewers
          .map(
            (v) =>
              `v${v.viewer + 1} ${v.startupMs === null ? 'never started' : `started in ${(v.startupMs / 1000).toFixed(1)} s`}`,
          )
          .join(', '),
      );
      // While the edge is down no new segment exists anywhere (the publisher cannot commit, peers have nothing newer),
      // so a restart longer than a viewer's buffer forces a stall of that much; past it, a viewer must be playing
      // again within the deadline margin of the edge coming back. Without recovery they stopped for good.
      const allowed = (downSeconds ?? 0) + margin;
      ctx.check(
        `stalled no longer than the restart plus the deadline margin (${margin} s)`,
        maxStalled <= allowed,
        `at most ${allowed.toFixed(1)} s: ${result.viewers.map((v) => `v${v.viewer + 1} ${v.stalls} stalls ${(v.stalledMs / 1000).toFixed(1)} s`).join(', ')}`,
      );
      const check = await checkStream(edge.url, stream);
      ctx.figure('segments', check.segments);
      ctx.check(
        'each segment once, in order, with its hash',
        check.problems.length === 0 && check.segments > 0,
        check.problems.slice(0, 5).join('; ') ||
          `${check.segments} segments, ${check.renditions} renditions, sessions ${check.sessions.join(', ')}`,
      );
      ctx.check(
        'one publisher session, ended cleanly',
        check.state === 'ended' && check.sessions.length === 1,
        `state ${check.state}, sessions ${check.sessions.join(', ')}`,
      );
    } finally {
      await restarting?.catch(() => {});
      await edge.stop();
    }
  },
};
