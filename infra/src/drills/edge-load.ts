/**
 * Where the edge's workerd grows, without browsers: `wrangler dev` as the drills start it, the real publisher, and
 * the soak's edge traffic replayed from Node (viewers' blocking playlist reloads, one viewer's segment GETs through
 * the Cache API, tracker sockets announcing every 30 s, beacons every 5 s). Each part can be left out, so a run per
 * variant says which part grows workerd. Every `sampleSeconds`: workerd's resident memory (anonymous and file-backed,
 * the edge's process and wrangler's dev proxy apart), our isolate's JS heap after a full collection (isolate-heap.ts),
 * the JS heap of every other isolate workerd runs (miniflare's own: the Cache API, R2, assets, ...; read without a
 * collection, workerd-isolates.ts), and the state folder's size on disk. With --snapshots, our isolate's heap by kind
 * of object once warm and at the end. Writes JSON; prints MB/hour per series over the run after `warmSeconds`.
 * Outside the drills' PID namespace: it reads only the wrangler and workerd it started. Scratch-grade, not in npm test.
 *
 *   nice -n 19 npx tsx infra/src/drills/edge-load.ts --seconds 480 --out /tmp/x.json [--no-publish]
 *     [--no-parts] [--no-playlists] [--segments none|one|all] [--no-tracker] [--no-beacons] [--viewers 8]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { paths } from '@edgeswarm/protocol';
import { descendants } from '../process-tree';
import { interruptCli, spawnOriginCli } from '../run-cli';
import { portsOf } from '../tracker-proc';
import { floodBeacon, floodDefaults, realInfoHashes, startTrackerFlood } from './floods';
import { heapGrowth, summarizeSnapshot, takeHeapSnapshot } from './heap-snapshot';
import { inspectorPortOf, isolateHeapMb } from './isolate-heap';
import { memoryGrowth } from './memory';
import { drillSecret, spawnPublisher, startDrillEdge, untilCommitted } from './stack';
import { inspectorHeaps } from './workerd-isolates';

export const edgeLoadDefaults = {
  viewers: 8,
  seconds: 480,
  sampleSeconds: 15,
  /** Growth is fitted over the run after this (start-up and the first segments are warm-up). */
  warmSeconds: 60,
  stream: 'drill-soak',
  trackerAnnounceEveryMs: 30_000,
  beaconEveryMs: 5000,
};

type Segments = 'none' | 'one' | 'all';

interface Tally {
  playlists: number;
  segments: number;
  segmentBytes: number;
  beacons: number;
  errors: number;
  errorsBy: Record<string, number>;
}

const fail = (tally: Tally, why: string) => {
  tally.errors++;
  tally.errorsBy[why] = (tally.errorsBy[why] ?? 0) + 1;
};

function statusKb(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** Pure: the last media sequence number a media playlist lists, and its segment URIs. */
export function playlistTail(text: string): { lastMsn: number; uris: string[] } {
  const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const uris = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return { lastMsn: seq + uris.length - 1, uris };
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      viewers: { type: 'string' },
      out: { type: 'string' },
      segments: { type: 'string' },
      'no-publish': { type: 'boolean' },
      'no-parts': { type: 'boolean' },
      snapshots: { type: 'boolean' },
      'no-playlists': { type: 'boolean' },
      'no-tracker': { type: 'boolean' },
      'no-beacons': { type: 'boolean' },
      work: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds ?? edgeLoadDefaults.seconds);
  const viewers = Number(values.viewers ?? edgeLoadDefaults.viewers);
  const segments = (values.segments ?? 'one') as Segments;
  const work = values.work ?? '/tmp/helper-memory/edge-load';
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const stream = edgeLoadDefaults.stream;
  const variant = {
    publish: !values['no-publish'],
    parts: !values['no-parts'],
    playlists: !values['no-playlists'],
    segments,
    tracker: !values['no-tracker'],
    beacons: !values['no-beacons'],
    viewers,
  };
  console.log('variant', JSON.stringify(variant));
  const edge = await startDrillEdge(work);
  const started = Date.now();
  const t = () => (Date.now() - started) / 1000;
  const tally: Tally = { playlists: 0, segments: 0, segmentBytes: 0, beacons: 0, errors: 0, errorsBy: {} };
  const samples: Record<string, number | string>[] = [];
  let stopped = false;
  const publisher = values['no-parts']
    ? spawnOriginCli(['publish', '--stream', stream, '--edge', edge.url, '--size', '320x180', '--no-parts'], {
        PUBLISH_SECRET: drillSecret,
        EDGESWARM_QUEUE_DIR: join(work, 'queue'),
      })
    : spawnPublisher({ stream, edgeUrl: edge.url, queueDir: join(work, 'queue') });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    await untilCommitted(edge.url, stream, 2, 90_000);
    if (!variant.publish) {
      // Two segments per rendition are there; the publisher stops and viewers read what was published.
      publisher.child.kill('SIGINT');
      await publisher.done;
    }
    const master = await (await fetch(`${edge.url}${paths.multivariant(stream)}`)).text();
    const variantUris = master.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const top = variantUris.at(-1) as string;
    const playlistUrl = new URL(top, `${edge.url}${paths.multivariant(stream)}`).toString();
    const workerd = descendants(edge.current()?.process.pid ?? 0).filter((p) => p.command === 'workerd');
    const cmd = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const runtime = workerd.find((p) => cmd(p.pid).includes('--inspector-addr'));
    const proxy = workerd.find((p) => !cmd(p.pid).includes('--inspector-addr'));
    if (!runtime || !proxy) throw new Error('workerd processes not found');
    const inspectorPort = await (async () => {
      for (const port of portsOf(runtime.pid)) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) });
          if (r.ok && Array.isArray(await r.json())) return port;
        } catch {}
      }
      return undefined;
    })();
    console.log(`edge workerd ${runtime.pid}, proxy ${proxy.pid}, runtime inspector ${inspectorPort}`);

    const viewer = async (i: number) => {
      let lastMsn = -1;
      const seen = new Set<string>();
      while (!stopped) {
        try {
          const url = lastMsn < 0 || !variant.publish ? playlistUrl : `${playlistUrl}?_HLS_msn=${lastMsn + 1}`;
          const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
          const text = await r.text();
          tally.playlists++;
          if (!r.ok) {
            fail(tally, `playlist ${r.status}`);
            await sleep(1000);
            continue;
          }
          const tail = playlistTail(text);
          lastMsn = tail.lastMsn;
          if (segments === 'all' || (segments === 'one' && i === 0)) {
            for (const uri of tail.uris) {
              // Live: each new segment once. Not published any more: the same segments again, from the cache.
              if (variant.publish && seen.has(uri)) continue;
              seen.add(uri);
              const s = await fetch(new URL(uri, playlistUrl), { signal: AbortSignal.timeout(20_000) });
              const bytes = (await s.arrayBuffer()).byteLength;
              tally.segments++;
              tally.segmentBytes += bytes;
              if (!s.ok) fail(tally, `segment ${s.status}`);
            }
          }
          // Not published any more: reload each second, as hls.js does without blocking reloads.
          if (!variant.publish) await sleep(1000);
        } catch (error) {
          fail(tally, `viewer ${(error as Error).name}`);
          await sleep(1000);
        }
      }
    };
    const loops = variant.playlists ? Array.from({ length: viewers }, (_, i) => viewer(i)) : [];
    if (variant.tracker) {
      // The floods drill's sockets at a viewer's pace: one per viewer, announcing (5 offers) every 30 s.
      const asViewers = {
        ...floodDefaults,
        sockets: viewers,
        trackerAddress: '127.0.0.1',
        announceEveryMs: edgeLoadDefaults.trackerAnnounceEveryMs,
        openBatch: viewers,
      };
      const flood = startTrackerFlood(edge.url, stream, await realInfoHashes(edge.url, stream), asViewers);
      stops.push(() => flood.stop());
    }
    if (variant.beacons) {
      const seq = new Array(viewers).fill(0);
      const beaconTimer = setInterval(() => {
        for (let v = 0; v < viewers; v++) {
          const body = floodBeacon(
            stream,
            `loadviewer${v}aaaaaaaaaaa`.slice(0, 20),
            seq[v]++,
            edgeLoadDefaults.beaconEveryMs,
          );
          fetch(`${edge.url}/v1/streams/${stream}/beacons`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': `127.0.1.${v + 1}` },
            body: JSON.stringify({ ...body, mode: 'hybrid', region: 'eu', stalls: 0, stallMs: 0 }),
          })
            .then((r) => {
              tally.beacons++;
              if (!r.ok) fail(tally, `beacon ${r.status}`);
              return r.text().then((text) => {
                if (!r.ok && (tally.errorsBy[`beacon ${r.status}`] ?? 0) <= 1) console.log('beacon', r.status, text);
              });
            })
            .catch(() => fail(tally, 'beacon failed'));
        }
      }, edgeLoadDefaults.beaconEveryMs);
      stops.push(async () => clearInterval(beaconTimer));
    }

    const sample = async () => {
      const row: Record<string, number | string> = { t: Number(t().toFixed(1)) };
      const edgeMem = statusKb(runtime.pid);
      const proxyMem = statusKb(proxy.pid);
      row['workerd rss'] = (edgeMem.VmRSS ?? 0) / 1000;
      row['workerd anon'] = (edgeMem.RssAnon ?? 0) / 1000;
      row['workerd file'] = (edgeMem.RssFile ?? 0) / 1000;
      row['proxy rss'] = (proxyMem.VmRSS ?? 0) / 1000;
      row['proxy anon'] = (proxyMem.RssAnon ?? 0) / 1000;
      try {
        row['state MB'] = Number(execFileSync('du', ['-sm', join(work, 'state')], { encoding: 'utf8' }).split('\t')[0]);
      } catch {}
      // This wrangler's own (other wrangler devs may run on this machine: no PID namespace here).
      const wranglerInspector = inspectorPortOf(readFileSync(`/proc/${edge.current()?.process.pid}/cmdline`, 'utf8'));
      const ours = wranglerInspector ? await isolateHeapMb(wranglerInspector) : undefined;
      if (ours !== undefined) row['heap ours (after GC)'] = ours;
      if (inspectorPort) {
        for (const [name, heap] of await inspectorHeaps(inspectorPort)) {
          row[`heap ${name}`] = heap.usedMb;
          if (heap.externalMb !== undefined) row[`external ${name}`] = heap.externalMb;
        }
      }
      Object.assign(row, {
        playlists: tally.playlists,
        segments: tally.segments,
        segmentMB: Number((tally.segmentBytes / 1e6).toFixed(1)),
        beacons: tally.beacons,
        errors: JSON.stringify(tally.errorsBy),
      });
      samples.push(row);
      console.log(
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(1)) : v]),
          ),
        ),
      );
    };
    // Our isolate's heap by kind of object, once warm and at the end: what grows, if anything does.
    const snapshotOurs = async () => {
      const port = inspectorPortOf(readFileSync(`/proc/${edge.current()?.process.pid}/cmdline`, 'utf8'));
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      return summarizeSnapshot(await takeHeapSnapshot(list[0]?.webSocketDebuggerUrl as string));
    };
    let warmHeap: Awaited<ReturnType<typeof snapshotOurs>> | undefined;
    while (t() < seconds) {
      await sample();
      if (values.snapshots && !warmHeap && t() >= edgeLoadDefaults.warmSeconds) warmHeap = await snapshotOurs();
      await sleep(edgeLoadDefaults.sampleSeconds * 1000);
    }
    await sample();
    if (warmHeap) {
      const growth = heapGrowth(warmHeap, await snapshotOurs());
      console.log('our heap, growth by kind since warm:');
      for (const g of growth)
        console.log(
          `  ${g.kind}: ${g.count} (${g.countDelta >= 0 ? '+' : ''}${g.countDelta}), ${g.bytes} B (${g.bytesDelta >= 0 ? '+' : ''}${g.bytesDelta})`,
        );
    }
    stopped = true;
    for (const stop of stops) await stop();
    await Promise.race([Promise.all(loops), sleep(25_000)]);
    const keys = Object.keys(samples.at(-1) ?? {}).filter((k) => k !== 't');
    const growth: Record<string, number | undefined> = {};
    const warm = samples.filter((s) => (s.t as number) >= edgeLoadDefaults.warmSeconds);
    const span = (warm.at(-1)?.t as number) - (warm[0]?.t as number);
    for (const key of keys) {
      const points = warm.filter((s) => typeof s[key] === 'number').map((s) => [s.t, s[key]] as [number, number]);
      const g = memoryGrowth(points, span);
      growth[key] = g ? Number(g.mbPerHour.toFixed(1)) : undefined;
    }
    console.log('per hour after warm-up:', JSON.stringify(growth));
    if (values.out) writeFileSync(values.out, JSON.stringify({ variant, seconds, samples, perHour: growth }, null, 1));
  } finally {
    stopped = true;
    for (const stop of stops) await stop().catch(() => {});
    await interruptCli(publisher, 15_000);
    await edge.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
