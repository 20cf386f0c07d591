/**
 * The stream's tracker shard restarts (every socket dropped at once, as when its Durable Object restarts or is
 * evicted by a deploy) while four viewers play, three times (twice with --quick). Playback must never stall (peers
 * keep their data channels, and the edge is there), and every viewer must be back in the swarm within 2 s p95 of
 * the restart: its tracker sockets replaced and their re-announces answered, read from each page's WebSocket
 * timeline (page-counters.ts, the harness's init script). The restart is the harness-only outage route
 * (FAULT_INJECTION=1, set by this drill's edge; elsewhere 404) with seconds=0, as bench:tracker's rejoin measure.
 */
import { offloadPercent } from '../../cohort/records';
import { runSwarm } from '../../swarm';
import { pageCountersGlobal, pageCountersScript, readSocketEvents, type SocketEvent } from '../page-counters';
import { percentileOf, viewerRejoin } from '../rejoin';
import { drillSecret, startDrillEdge } from '../stack';
import type { Drill } from '../types';

export const trackerRestartLimits = {
  /** Every viewer back in the swarm within this, p95 over viewers × restarts, ms. */
  rejoinP95Ms: 2000,
  /** Seconds between restarts (quick, full): long enough for every viewer to be back and settled. */
  everySeconds: [15, 30] as [number, number],
  restarts: [2, 3] as [number, number],
};

export const trackerRestart: Drill = {
  name: 'tracker-restart',
  title: 'tracker shard restarted, 4 viewers playing',
  holds: 'playback never stalls; every viewer is back in the swarm within 2 s p95',
  sampleSeconds: [2, 5],
  timeoutSeconds: [240, 480],
  async run(ctx) {
    const stream = 'drill-tracker-restart';
    const viewers = 4;
    const stagger = 2;
    const lastJoin = (viewers - 1) * stagger;
    const every = trackerRestartLimits.everySeconds[ctx.quick ? 0 : 1];
    const restarts = trackerRestartLimits.restarts[ctx.quick ? 0 : 1];
    // P2P settles first (the first restart after every viewer has peers), then a restart every `every` seconds.
    const firstAfter = ctx.quick ? 15 : 30;
    const edge = await startDrillEdge(ctx.work, { FAULT_INJECTION: '1' });
    const asked: { at: number; dropped: number }[] = [];
    const timelines: (SocketEvent[] | null)[] = [];
    try {
      const result = await runSwarm({
        viewers,
        seconds: firstAfter + restarts * every,
        staggerSeconds: stagger,
        stream,
        edgeUrl: edge.url,
        log: ctx.log,
        initScripts: [pageCountersScript],
        events: [
          ...Array.from({ length: restarts }, (_, i) => ({
            atSeconds: lastJoin + firstAfter + i * every,
            run: async () => {
              const at = Date.now();
              const response = await fetch(`${edge.url}/v1/tracker/${stream}/outage?seconds=0`, {
                method: 'POST',
                headers: { Authorization: `Bearer ${drillSecret}` },
              });
              const answer = (await response.json().catch(() => ({}))) as { socketsDropped?: number };
              asked.push({ at, dropped: answer.socketsDropped ?? 0 });
              ctx.log(`tracker shard restarted (${response.status}): ${answer.socketsDropped ?? '?'} sockets dropped`);
            },
          })),
          {
            // Read every page's socket timeline before the cohort closes the pages.
            atSeconds: lastJoin + firstAfter + restarts * every - 1,
            run: async (pages) => {
              const read = await Promise.all(
                pages.map((p) => p?.evaluate(readSocketEvents, pageCountersGlobal).catch(() => null) ?? null),
              );
              timelines.push(...read);
            },
          },
        ],
      });
      const restartsAt = asked.map((a) => a.at);
      const rejoins = timelines.map((events) =>
        restartsAt.map((at, i) => (events ? viewerRejoin(events, at, restartsAt[i + 1] ?? Infinity) : undefined)),
      );
      const times = rejoins.flat().flatMap((r) => (r?.backMs === undefined ? [] : [r.backMs]));
      const missing = rejoins.flat().filter((r) => r?.backMs === undefined).length;
      const p95 = percentileOf(times, 95);
      ctx.figure('restarts', asked.length);
      ctx.figure('sockets dropped', asked.map((a) => a.dropped).join('+'));
      const ms = (v: number) => (Number.isFinite(v) ? Math.round(v) : '—');
      ctx.figure('rejoin p50 ms', ms(percentileOf(times, 50)));
      ctx.figure('rejoin p95 ms', ms(p95));
      const stalls = result.viewers.reduce((s, v) => s + v.stalls, 0);
      ctx.figure('stalls', stalls);
      ctx.figure('offload %', Number(offloadPercent(result.viewers).toFixed(0)));
      ctx.check(
        `the shard restarted ${restarts} times, dropping every viewer's tracker socket`,
        asked.length === restarts &&
          asked.every((a) => a.dropped >= viewers) &&
          rejoins.length === viewers &&
          rejoins.every((byRestart) => byRestart.every((r) => (r?.dropped ?? 0) > 0)),
        `${asked.map((a) => `${a.dropped} sockets`).join(', ')}; by viewer: ${rejoins.map((byRestart, v) => `v${v + 1} ${byRestart.map((r) => r?.dropped ?? '?').join('/')}`).join(', ')}`,
      );
      ctx.check(
        `every viewer back in the swarm within ${trackerRestartLimits.rejoinP95Ms / 1000} s p95`,
        missing === 0 && times.length > 0 && p95 <= trackerRestartLimits.rejoinP95Ms,
        `${missing ? `${missing} of ${rejoins.flat().length} never back; ` : ''}p95 ${ms(p95)} ms; ${rejoins
          .map(
            (byRestart, v) =>
              `v${v + 1} ${byRestart.map((r) => (r?.backMs === undefined ? '—' : `${Math.round(r.backMs)}`)).join('/')} ms`,
          )
          .join(', ')}`,
      );
      ctx.check(
        'playback never stalls',
        stalls === 0 && result.viewers.length === viewers && result.viewers.every((v) => v.startupMs !== null),
        result.viewers
          .map((v) => `v${v.viewer + 1} ${v.startupMs === null ? 'never started' : `${v.stalls} stalls`}`)
          .join(', '),
      );
    } finally {
      await edge.stop();
    }
  },
};
