#!/usr/bin/env -S npx tsx
/**
 * edgeswarm origin CLI.
 *   vod <input> --stream <id> [--edge <url>] [--key <key>] [--segment-seconds 2] [--output-dir <dir>]
 *   key --stream <id>
 */
import { parseArgs } from 'node:util';
import { derivePublishKey, validateStreamId } from '@edgeswarm/protocol';
import { readDevVars } from './dev-vars';
import { InputError, OriginError } from './errors';
import { resolvePublishKey } from './publish-key';
import { publishVod } from './vod';

const usage = `usage:
  npm run vod -- <input> --stream <id> [--edge <url>] [--key <key>] [--segment-seconds 2] [--output-dir <dir>]
  npm run key -- --stream <id>

  --edge defaults to $EDGE_URL or http://127.0.0.1:8787
  the publish key comes from --key, $PUBLISH_KEY, or is derived from $PUBLISH_SECRET / .dev.vars`;

const defaultEdge = process.env.EDGE_URL ?? 'http://127.0.0.1:8787';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      edge: { type: 'string', default: defaultEdge },
      key: { type: 'string' },
      'segment-seconds': { type: 'string', default: '2' },
      'output-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const streamId = values.stream;
  if (!streamId) throw new InputError('--stream is required');
  const valid = validateStreamId(streamId);
  if (!valid.ok) throw new InputError(`--stream: ${valid.reason}`);

  switch (command) {
    case 'vod': {
      const [input, ...extra] = positionals;
      if (!input || extra.length > 0) throw new InputError('vod takes exactly one input file');
      const result = await publishVod({
        input,
        streamId,
        edgeUrl: values.edge,
        publishKey: await resolvePublishKey(streamId, values.key),
        segmentSeconds: Number(values['segment-seconds']),
        ...(values['output-dir'] ? { outputDir: values['output-dir'] } : {}),
      });
      console.log(`playlist: ${result.playlistUrl}`);
      console.log(`watch: ${result.watchUrl}`);
      return;
    }
    case 'key': {
      const secret = process.env.PUBLISH_SECRET || readDevVars().PUBLISH_SECRET;
      if (!secret) throw new InputError('set PUBLISH_SECRET (or run npm start once to create .dev.vars)');
      console.log(await derivePublishKey(secret, streamId));
      return;
    }
    default:
      throw new InputError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof OriginError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${(error as Error).message}`);
    if (error instanceof InputError) console.error(`\n${usage}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
