/**
 * `vod`: package a file into an fMP4 HLS ladder and publish it to the edge.
 * Media objects go up first and the multivariant playlist last, so a viewer
 * never finds a playlist that points at something missing. Each upload is a
 * version of its own (vod-version.ts): a replace switches the multivariant
 * playlist to a new folder and leaves the old one for players still on it.
 */
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MediaPlaylist,
  multivariantName,
  parsePlaylist,
  paths,
  referencedObjects,
  renderMultivariantPlaylist,
  resolveRelative,
  validateObjectName,
  validateStreamId,
} from '@edgeswarm/protocol';
import { createEdgeClient } from './edge-client';
import { EdgeRejectedError, InputError, OriginError, ToolError } from './errors';
import { packageDefaults, vodPackageArgs } from './ffmpeg/hls-args';
import { probe } from './ffmpeg/probe';
import { runFfmpeg } from './ffmpeg/run';
import { buildLadder, type Rendition } from './ladder';
import { createProgress } from './progress';
import { versionedMaster, versionedName, vodVersionName } from './vod-version';

export interface VodOptions {
  input: string;
  streamId: string;
  edgeUrl: string;
  publishKey: string;
  segmentSeconds?: number;
  /** Keep the packaged files here instead of a temporary directory. */
  outputDir?: string;
  concurrency?: number;
  /**
   * Publish over an existing video: its multivariant playlist is replaced. Without it, the playlist is sent
   * `If-None-Match: *`, so a stream published meanwhile by someone else is left alone.
   */
  replace?: boolean;
  /** The version folder; default: vodVersionName of now. */
  version?: string;
  log?: (line: string) => void;
}

export interface VodResult {
  playlistUrl: string;
  watchUrl: string;
  renditions: Rendition[];
  /** The folder this upload's playlists and segments went into. */
  version: string;
  objects: number;
  bytes: number;
}

export interface PackagedObject {
  name: string;
  path: string;
}

/** Reads ffmpeg's output back through our own parser: what gets uploaded is exactly what the playlists reference. */
export async function collectPackage(dir: string): Promise<{ media: PackagedObject[]; playlists: PackagedObject[] }> {
  const parse = async (name: string) => {
    const parsed = parsePlaylist(await readFile(join(dir, name), 'utf8'));
    if (!parsed.ok) throw new ToolError(`ffmpeg wrote an unparseable ${name}: ${parsed.reason}`);
    return parsed.value;
  };
  const master = await parse(multivariantName);
  if (master.type !== 'multivariant') throw new ToolError(`${multivariantName} is not a multivariant playlist`);
  const media: PackagedObject[] = [];
  const playlists: PackagedObject[] = [];
  for (const variant of master.variants) {
    const playlist = (await parse(variant.uri)) as MediaPlaylist;
    for (const uri of referencedObjects(playlist)) {
      const name = resolveRelative(variant.uri, uri);
      media.push({ name, path: join(dir, name) });
    }
    playlists.push({ name: variant.uri, path: join(dir, variant.uri) });
  }
  for (const { name } of [...media, ...playlists]) {
    const valid = validateObjectName(name);
    if (!valid.ok) throw new ToolError(`packaged object ${name} has a name the edge refuses: ${valid.reason}`);
  }
  return { media, playlists };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function publishVod(options: VodOptions): Promise<VodResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const segmentSeconds = options.segmentSeconds ?? packageDefaults.segmentSeconds;
  const stream = validateStreamId(options.streamId);
  if (!stream.ok) throw new InputError(`--stream: ${stream.reason}`);
  if (!(segmentSeconds >= 2 && segmentSeconds <= 4)) {
    throw new InputError(`segment duration must be between 2 and 4 seconds, not ${segmentSeconds}`);
  }
  try {
    await access(options.input);
  } catch (error) {
    throw new InputError(`cannot read ${options.input}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }

  const source = await probe(options.input);
  const renditions = buildLadder(source);
  log(
    `${options.input}: ${source.width}x${source.height} @ ${source.frameRate.toFixed(2)} fps, ${source.durationSeconds.toFixed(1)} s${source.hasAudio ? ', with audio' : ', no audio'}`,
  );
  log(`ladder: ${renditions.map((r) => `${r.width}x${r.height}@${r.videoKbps}k`).join(', ')}`);

  const dir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'edgeswarm-vod-')));
  try {
    const encoding = createProgress('encode', source.durationSeconds);
    await runFfmpeg(
      vodPackageArgs({
        input: options.input,
        outputDir: dir,
        renditions,
        segmentSeconds,
        frameRate: source.frameRate,
        hasAudio: source.hasAudio,
        audioKbps: packageDefaults.audioKbps,
        preset: packageDefaults.preset,
      }),
      (seconds) => encoding.update(seconds, `${seconds.toFixed(1)} s`),
    );
    encoding.finish(`${renditions.length} renditions`);

    const version = options.version ?? vodVersionName(new Date(), Math.random());
    const packaged = await collectPackage(dir);
    const inVersion = (o: PackagedObject) => ({ name: versionedName(version, o.name), path: o.path });
    const media = packaged.media.map(inVersion);
    const playlists = packaged.playlists.map(inVersion);
    for (const { name } of [...media, ...playlists]) {
      const valid = validateObjectName(name);
      if (!valid.ok) throw new InputError(`version ${version} makes ${name} a name the edge refuses: ${valid.reason}`);
    }
    // Re-render the multivariant playlist through our renderer (adds FRAME-RATE, normalises spacing).
    const master = parsePlaylist(await readFile(join(dir, multivariantName), 'utf8'));
    if (!master.ok || master.value.type !== 'multivariant') throw new ToolError('multivariant playlist vanished');
    const masterText = renderMultivariantPlaylist(
      versionedMaster(
        {
          ...master.value,
          independentSegments: true,
          variants: master.value.variants.map((v) => ({ ...v, frameRate: source.frameRate })),
        },
        version,
      ),
    );

    const client = createEdgeClient({
      edgeUrl: options.edgeUrl,
      streamId: stream.value,
      publishKey: options.publishKey,
      onRetry: (what, attempt, reason, delay) => log(`retry ${attempt} for ${what} in ${delay} ms: ${reason}`),
    });
    const objects = [...media, ...playlists];
    const sizes = await Promise.all(objects.map(async (o) => (await readFile(o.path)).byteLength));
    const total = sizes.reduce((a, b) => a + b, 0) + masterText.length;
    const uploading = createProgress('upload', total);
    let sent = 0;
    let count = 0;
    const upload = async (object: PackagedObject) => {
      const bytes = await readFile(object.path);
      await client.putObject(object.name, bytes);
      sent += bytes.byteLength;
      count++;
      uploading.update(sent, `${count}/${objects.length + 1} objects`);
    };
    await mapLimit(media, options.concurrency ?? 4, upload);
    await mapLimit(playlists, options.concurrency ?? 4, upload);
    // The switch: from here on new players get this version.
    try {
      await client.putObject(multivariantName, new TextEncoder().encode(masterText), { createOnly: !options.replace });
    } catch (error) {
      if (error instanceof EdgeRejectedError && error.status === 412) {
        throw new OriginError(
          `stream ${stream.value} was published by another upload while this one ran, and was left as it is: run again with --replace to make this file its new version`,
        );
      }
      throw error;
    }
    uploading.finish(`${objects.length + 1} objects, ${(total / 1024).toFixed(0)} KiB`);
    log(
      `version ${version}${options.replace ? ' (replaced the previous one, kept for players still watching it)' : ''}`,
    );

    const base = options.edgeUrl.replace(/\/+$/, '');
    return {
      playlistUrl: `${base}${paths.multivariant(stream.value)}`,
      watchUrl: `${base}${paths.watch(stream.value)}`,
      renditions,
      version,
      objects: objects.length + 1,
      bytes: total,
    };
  } finally {
    if (!options.outputDir) await rm(dir, { recursive: true, force: true });
  }
}
