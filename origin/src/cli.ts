#!/usr/bin/env -S npx tsx
/**
 * edgeswarm origin CLI.
 *   vod <input> --stream <id> [--replace] [--edge <url>] [--key <key>] [--segment-seconds 2] [--output-dir <dir>]
 *   publish --stream <id> [--source testpattern|<file>|rtmp|-] [--duration <s>] [--size 640x360] …
 *   key --stream <id>
 */
import { join } from 'node:path';
import { derivePublishKey, validateStreamId } from '@edgeswarm/protocol';
import { type OptionTable, parseCli } from './cli-options';
import { readDevVars } from './dev-vars';
import { checkPublisher } from './edge-client';
import { InputError, OriginError, PreflightError, UsageError } from './errors';
import { choosePartSeconds } from './live/part-choice';
import { publishLive } from './live/publish';
import { parseSource, sourceDefaults } from './live/sources';
import { resolvePublishKey } from './publish-key';
import { publishVod } from './vod';
import { planVodPublish } from './vod-version';

const usage = `usage:
  npm run vod -- <input> --stream <id> [--replace] [--edge <url>] [--key <key>] [--segment-seconds 2]
                 [--output-dir <dir>]
  npm run publish -- --stream <id> [--source testpattern|<file>|rtmp|-] [--edge <url>] [--key <key>]
                     [--segment-seconds 2] [--duration <seconds>] [--size 640x360] [--fps 30]
                     [--queue-dir <dir>] [--rtmp-key <key>] [--rtmp-port 1935] [--grace 60] [--no-audio]
                     [--part-seconds 0.5 | --no-parts]
  npm run key -- --stream <id>

  publish sources: testpattern (default: moving pattern, burnt-in clock, tone), a file (looped in
  real time), rtmp (OBS: server rtmp://127.0.0.1:1935/live, stream key: the stream's publish key
  (npm run key -- --stream <id>) or --rtmp-key; any other key is refused before anything is published;
  the ladder follows the encoder's picture; when the encoder goes away the stream stays open --grace
  seconds for it to come back, after a discontinuity), - (MPEG-TS on stdin). Ctrl-C ends the stream
  cleanly; a second Ctrl-C quits at once, keeping the queue on disk for the next run.
  publish sends LL-HLS parts by default (fragments of --part-seconds, 0.5 by default) as they are
  encoded, then each whole segment; watch with latency-target=low. --no-parts sends whole segments
  only (plain HLS); --parts says the default out loud.

  vod refuses a stream id that already exists; --replace publishes the file as the stream's new
  version instead: new players get it, players already watching finish the old one.

  --edge defaults to $EDGE_URL or http://127.0.0.1:8787
  the publish key comes from --key, $PUBLISH_KEY, or is derived from $PUBLISH_SECRET / .dev.vars`;

const defaultEdge = process.env.EDGE_URL ?? 'http://127.0.0.1:8787';

/** Every option of every command, with its default. */
const cliOptions = {
  stream: { type: 'string' },
  edge: { type: 'string', default: defaultEdge },
  key: { type: 'string' },
  'segment-seconds': { type: 'string', default: '2' },
  'output-dir': { type: 'string' },
  replace: { type: 'boolean', default: false },
  source: { type: 'string' },
  duration: { type: 'string' },
  size: { type: 'string', default: `${sourceDefaults.width}x${sourceDefaults.height}` },
  fps: { type: 'string', default: String(sourceDefaults.frameRate) },
  'queue-dir': { type: 'string' },
  'rtmp-key': { type: 'string' },
  'rtmp-port': { type: 'string', default: String(sourceDefaults.rtmpPort) },
  grace: { type: 'string', default: String(sourceDefaults.rtmpGraceSeconds) },
  'no-audio': { type: 'boolean', default: false },
  parts: { type: 'boolean', default: false },
  'no-parts': { type: 'boolean', default: false },
  'part-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies OptionTable;

type CliValues = {
  [name in keyof typeof cliOptions]: (typeof cliOptions)[name] extends { type: 'boolean' }
    ? boolean
    : (typeof cliOptions)[name] extends { default: string }
      ? string
      : string | undefined;
};

const commands = ['vod', 'publish', 'key'];

async function main(argv: string[]): Promise<void> {
  const parsed = parseCli(argv, commands, cliOptions);
  if (!parsed.ok) throw new UsageError(parsed.reason);
  const { command, positionals } = parsed;
  const values = parsed.values as CliValues;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const streamId = values.stream;
  if (!streamId) throw new UsageError('--stream is required');
  const valid = validateStreamId(streamId);
  if (!valid.ok) throw new UsageError(`--stream: ${valid.reason}`);

  switch (command) {
    case 'vod': {
      const [input, ...extra] = positionals;
      if (!input || extra.length > 0) throw new UsageError('vod takes exactly one input file');
      if (values.source || values.duration) throw new UsageError('--source and --duration are for publish, not vod');
      const publishKey = await resolvePublishKey(streamId, values.key);
      // Before any encoding: a wrong key or edge, or an id that is taken, fails now, not after the encode.
      const plan = planVodPublish(await checkPublisher({ edgeUrl: values.edge, streamId, publishKey }), values.replace);
      if (!plan.ok) throw new PreflightError(plan.reason);
      const result = await publishVod({
        input,
        streamId,
        edgeUrl: values.edge,
        publishKey,
        replace: plan.replacing,
        segmentSeconds: Number(values['segment-seconds']),
        ...(values['output-dir'] ? { outputDir: values['output-dir'] } : {}),
      });
      console.log(`playlist: ${result.playlistUrl}`);
      console.log(`watch: ${result.watchUrl}`);
      return;
    }
    case 'publish': {
      if (values.replace) throw new UsageError('--replace is for vod, not publish');
      const size = /^(\d+)x(\d+)$/.exec(values.size);
      if (!size) throw new UsageError(`--size must look like 640x360, not ${values.size}`);
      const duration = values.duration === undefined ? undefined : Number(values.duration);
      if (duration !== undefined && !(duration > 0))
        throw new UsageError('--duration must be a positive number of seconds');
      const grace = Number(values.grace);
      if (!(Number.isFinite(grace) && grace >= 0 && grace <= 86_400))
        throw new UsageError(`--grace must be a number of seconds from 0 to 86400, not ${values.grace}`);
      const source = parseSource(
        values.source,
        { width: Number(size[1]), height: Number(size[2]), frameRate: Number(values.fps) },
        values['rtmp-key'],
        Number(values['rtmp-port']),
        grace,
      );
      const parts = choosePartSeconds({
        parts: values.parts,
        noParts: values['no-parts'],
        partSeconds: values['part-seconds'],
      });
      if (!parts.ok) throw new UsageError(parts.reason);
      const stop = new AbortController();
      let interrupts = 0;
      const queueDir =
        values['queue-dir'] ?? join(process.env.EDGESWARM_QUEUE_DIR ?? join('.edgeswarm', 'queue'), streamId);
      process.on('SIGINT', () => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write(
            '\nstopping: finishing the current segment and draining the queue (Ctrl-C again to quit now)\n',
          );
          stop.abort();
        } else {
          process.stderr.write(`quitting; undelivered work stays queued in ${queueDir} for the next run\n`);
          process.exit(130);
        }
      });
      const publishKey = await resolvePublishKey(streamId, values.key);
      // Before ffmpeg starts (or waits for OBS): a wrong key or edge fails now. Once publishing,
      // an edge that goes away is waited for, with the queue on disk.
      await checkPublisher({ edgeUrl: values.edge, streamId, publishKey });
      const summary = await publishLive({
        streamId,
        edgeUrl: values.edge,
        publishKey,
        source,
        segmentSeconds: Number(values['segment-seconds']),
        queueDir,
        signal: stop.signal,
        assumeAudio: !values['no-audio'],
        ...(duration ? { durationSeconds: duration } : {}),
        ...(parts.partSeconds === undefined ? {} : { parts: parts.partSeconds }),
        onPlayable: ({ playlist, watch }) => {
          console.log(`playlist: ${playlist}`);
          console.log(`watch: ${watch}`);
        },
      });
      const lags = [...summary.lagSeconds].sort((a, b) => a - b);
      const median = lags[Math.floor(lags.length / 2)];
      console.error(
        `ended: ${summary.segments} segments (${summary.renditions.length} renditions) in session${summary.sessions.length > 1 ? `s ${summary.sessions.join(', ')}` : ` ${summary.session}`}${median === undefined ? '' : `, median lag to the edge ${median.toFixed(2)} s`}${summary.rejected ? `, ${summary.rejected} refused by the edge` : ''}`,
      );
      if (!summary.announced) {
        console.log(`playlist: ${summary.playlistUrl}`);
        console.log(`watch: ${summary.watchUrl}`);
      }
      return;
    }
    case 'key': {
      const secret = process.env.PUBLISH_SECRET || readDevVars().PUBLISH_SECRET;
      if (!secret) throw new InputError('set PUBLISH_SECRET (or run npm start once to create .dev.vars)');
      console.log(await derivePublishKey(secret, streamId));
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof OriginError) {
    console.error(`error: ${error.message}`);
    if (error instanceof InputError) console.error(`\n${usage}`);
  } else {
    console.error(error);
  }
  // 2, as every npm script answers a wrong command line; 1 for the rest (a file, the edge, ffmpeg).
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
