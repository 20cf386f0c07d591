/**
 * What an encoder's push says about itself, and the ladder planned from it. Pure.
 *
 * An RTMP push cannot be probed before it connects, so the publisher used to plan the ladder from
 * `--size` (a 720p OBS feed came out at 360p at most). An accepted push now waits for the encoder's
 * onMetaData (width, height, frame rate, whether there is audio: OBS and ffmpeg both send it before
 * the first frame) and the ladder is built from that, within sensible caps.
 */

import { buildLadder, type Rendition } from '../ladder';
import type { AmfValue } from './rtmp-protocol';

/** The encoder's own description of its push, as far as it gave one. */
export interface IncomingStream {
  width?: number;
  height?: number;
  frameRate?: number;
  hasAudio?: boolean;
}

/** What a take is planned from: always complete. */
export interface LadderSource {
  width: number;
  height: number;
  frameRate: number;
  hasAudio: boolean;
  /** `encoder`: from the push's metadata; `fallback`: --size/--fps, because the encoder said nothing usable. */
  from: 'encoder' | 'fallback';
}

export interface IncomingCaps {
  /** Sides outside this range are not a real picture: the fallback is used instead. */
  minSide: number;
  maxSide: number;
  /** Frame rates above this are encoded at this rate (x264 veryfast in real time, ladder bitrates). */
  maxFrameRate: number;
}

export const incomingDefaults: IncomingCaps = {
  minSide: 16,
  maxSide: 8192,
  maxFrameRate: 60,
};

const numberField = (object: Record<string, AmfValue>, ...keys: string[]): number | undefined => {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
};

/**
 * An FLV data message's values (`@setDataFrame` already dropped, or not) → the encoder's
 * description, or undefined when it is not onMetaData.
 */
export function readOnMetaData(values: readonly AmfValue[]): IncomingStream | undefined {
  const start = values[0] === '@setDataFrame' ? 1 : 0;
  if (values[start] !== 'onMetaData') return undefined;
  const object = values[start + 1];
  if (!object || typeof object !== 'object' || Array.isArray(object)) return {};
  const fields = object as Record<string, AmfValue>;
  const info: IncomingStream = {};
  const width = numberField(fields, 'width');
  const height = numberField(fields, 'height');
  const frameRate = numberField(fields, 'framerate', 'videoframerate', 'fps');
  if (width !== undefined) info.width = width;
  if (height !== undefined) info.height = height;
  if (frameRate !== undefined) info.frameRate = frameRate;
  // ffmpeg names audio only when there is an audio stream; OBS always sends its audio track's codec.
  const audioCodec = fields.audiocodecid;
  if (audioCodec !== undefined) info.hasAudio = audioCodec !== null && audioCodec !== '' && audioCodec !== 0;
  else if ('videocodecid' in fields) info.hasAudio = false;
  return info;
}

/**
 * The picture a take's ladder is built from: the encoder's when it gave a plausible one, the
 * fallback (`--size`, `--fps`, `--no-audio`) otherwise. Odd sizes are fine: the ladder rounds.
 */
export function ladderSourceFor(
  incoming: IncomingStream | undefined,
  fallback: { width: number; height: number; frameRate: number; hasAudio: boolean },
  caps: IncomingCaps = incomingDefaults,
): LadderSource {
  const side = (n: number | undefined) =>
    n !== undefined && Number.isFinite(n) && n >= caps.minSide && n <= caps.maxSide ? Math.round(n) : undefined;
  const width = side(incoming?.width);
  const height = side(incoming?.height);
  const rate = incoming?.frameRate;
  const frameRate =
    rate !== undefined && Number.isFinite(rate) && rate >= 1
      ? Math.min(caps.maxFrameRate, Math.round(rate * 1000) / 1000)
      : Math.min(caps.maxFrameRate, fallback.frameRate);
  const hasAudio = incoming?.hasAudio ?? fallback.hasAudio;
  if (width === undefined || height === undefined) return { ...fallback, frameRate, hasAudio, from: 'fallback' };
  return { width, height, frameRate, hasAudio, from: 'encoder' };
}

/**
 * A take's ladder. The first follows its source; a later take (the encoder came back) keeps the
 * number of renditions, because viewers hold the multivariant playlist they loaded and a rendition
 * that stopped would leave them on a playlist that never grows. Its sizes follow the new picture.
 */
export function ladderForTake(source: LadderSource, previous: readonly Rendition[] | undefined): Rendition[] {
  if (!previous?.length) return buildLadder(source);
  const count = previous.length;
  return buildLadder(source, { minRenditions: count, maxRenditions: count });
}

/**
 * A segment's wall-clock time, anchored to when the push's first frame arrived. ffmpeg stamps
 * PROGRAM-DATE-TIME from when its muxer started, which for a pushed feed is after it probed the
 * input (about 2 s here): every segment looked as if captured 2 s later than it was, and the lag
 * to the edge came out negative. Offsets between ffmpeg's own stamps are media time, so they stay.
 */
export function anchoredProgramDateTime(ffmpegMs: number, ffmpegFirstMs: number, firstFrameAtMs: number): number {
  return firstFrameAtMs + (ffmpegMs - ffmpegFirstMs);
}
