/**
 * LL-HLS parts from a fragmented MP4 stream, pure: ffmpeg writes one fMP4 per
 * rendition with short fragments (`-movflags +empty_moov+default_base_moof+frag_keyframe
 * -frag_duration <part>`), and this splits the bytes at box boundaries into the
 * init segment (ftyp + moov), parts (each moof + mdat, a CMAF chunk) and whole
 * segments (their parts concatenated, byte for byte). A segment closes when its
 * parts add up to the segment duration (keyframes are forced there), or at the
 * next key frame. Feed it chunks in any sizes; nothing here reads a clock or a file.
 */

export interface Box {
  type: string;
  start: number;
  end: number;
}

/** Complete top-level boxes in `bytes` from `offset`; `consumed` is where the first incomplete one starts. */
export function completeBoxes(bytes: Uint8Array, offset = 0): { boxes: Box[]; consumed: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let at = offset;
  while (at + 8 <= bytes.byteLength) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (size === 1) {
      if (at + 16 > bytes.byteLength) break;
      size = Number(view.getBigUint64(at + 8));
    }
    if (size < 8) throw new Error(`malformed MP4: a ${JSON.stringify(type)} box of ${size} bytes at ${at}`);
    if (size === 0 || at + size > bytes.byteLength) break; // size 0 runs to the end of a file: never in a stream
    boxes.push({ type, start: at, end: at + size });
    at += size;
  }
  return { boxes, consumed: at };
}

/** Children of a container box (payload after the 8-byte header, plus `skip` bytes of full-box fields). */
function children(bytes: Uint8Array, box: Box, skip = 0): Box[] {
  return completeBoxes(bytes.subarray(0, box.end), box.start + 8 + skip).boxes;
}

function child(bytes: Uint8Array, box: Box, type: string, skip = 0): Box | undefined {
  return children(bytes, box, skip).find((b) => b.type === type);
}

interface TrackInfo {
  timescale: number;
  video: boolean;
  defaultDuration?: number;
  defaultFlags?: number;
}

/** Per track_ID: timescale, whether it is video, and the trex defaults, from an init segment's moov. */
export function readTracks(init: Uint8Array): Map<number, TrackInfo> {
  const view = new DataView(init.buffer, init.byteOffset, init.byteLength);
  const tracks = new Map<number, TrackInfo>();
  const moov = completeBoxes(init).boxes.find((b) => b.type === 'moov');
  if (!moov) throw new Error('malformed MP4: the init segment has no moov');
  for (const trak of children(init, moov).filter((b) => b.type === 'trak')) {
    const tkhd = child(init, trak, 'tkhd');
    const mdia = child(init, trak, 'mdia');
    const mdhd = mdia && child(init, mdia, 'mdhd');
    const hdlr = mdia && child(init, mdia, 'hdlr');
    if (!tkhd || !mdhd || !hdlr) continue;
    const id = view.getUint32(tkhd.start + 8 + 4 + (init[tkhd.start + 8] === 1 ? 16 : 8));
    const timescale = view.getUint32(mdhd.start + 8 + 4 + (init[mdhd.start + 8] === 1 ? 16 : 8));
    const handler = String.fromCharCode(...init.subarray(hdlr.start + 16, hdlr.start + 20));
    tracks.set(id, { timescale, video: handler === 'vide' });
  }
  const mvex = child(init, moov, 'mvex');
  for (const trex of mvex ? children(init, mvex).filter((b) => b.type === 'trex') : []) {
    const track = tracks.get(view.getUint32(trex.start + 12));
    if (!track) continue;
    track.defaultDuration = view.getUint32(trex.start + 20);
    track.defaultFlags = view.getUint32(trex.start + 28);
  }
  return tracks;
}

export interface FragmentTiming {
  /** Seconds of media in the fragment (its video track, else its first track). */
  duration: number;
  /** Its first sample is a sync sample (a key frame): a part a player can start from. */
  independent: boolean;
}

/** Reads a moof's timing: sample durations from trun (or tfhd / trex defaults), the first sample's sync flag. */
export function fragmentTiming(bytes: Uint8Array, moof: Box, tracks: Map<number, TrackInfo>): FragmentTiming {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let chosen: FragmentTiming | undefined;
  for (const traf of children(bytes, moof).filter((b) => b.type === 'traf')) {
    const tfhd = child(bytes, traf, 'tfhd');
    if (!tfhd) continue;
    const tfhdFlags = view.getUint32(tfhd.start + 8) & 0xffffff;
    const track = tracks.get(view.getUint32(tfhd.start + 12));
    if (!track) continue;
    let at = tfhd.start + 16;
    if (tfhdFlags & 0x1) at += 8; // base-data-offset
    if (tfhdFlags & 0x2) at += 4; // sample-description-index
    let defaultDuration = track.defaultDuration ?? 0;
    let defaultFlags = track.defaultFlags ?? 0;
    if (tfhdFlags & 0x8) {
      defaultDuration = view.getUint32(at);
      at += 4;
    }
    if (tfhdFlags & 0x10) at += 4; // default-sample-size
    if (tfhdFlags & 0x20) defaultFlags = view.getUint32(at);
    let ticks = 0;
    let firstFlags: number | undefined;
    for (const trun of children(bytes, traf).filter((b) => b.type === 'trun')) {
      const flags = view.getUint32(trun.start + 8) & 0xffffff;
      const count = view.getUint32(trun.start + 12);
      let p = trun.start + 16;
      if (flags & 0x1) p += 4; // data-offset
      let first: number | undefined;
      if (flags & 0x4) {
        first = view.getUint32(p);
        p += 4;
      }
      for (let i = 0; i < count; i++) {
        ticks += flags & 0x100 ? view.getUint32(p) : defaultDuration;
        if (flags & 0x100) p += 4;
        if (flags & 0x200) p += 4;
        const sampleFlags = flags & 0x400 ? view.getUint32(p) : undefined;
        if (flags & 0x400) p += 4;
        if (flags & 0x800) p += 4;
        if (firstFlags === undefined)
          firstFlags = i === 0 && first !== undefined ? first : (sampleFlags ?? defaultFlags);
      }
    }
    // sample_is_non_sync_sample is bit 16 of the sample flags.
    const timing = { duration: ticks / track.timescale, independent: ((firstFlags ?? defaultFlags) & 0x10000) === 0 };
    if (track.video) return timing;
    chosen ??= timing;
  }
  if (!chosen) throw new Error('malformed MP4: a moof without a track the init segment describes');
  return chosen;
}

export type SplitEvent =
  | { kind: 'init'; bytes: Uint8Array }
  | { kind: 'part'; segment: number; part: number; bytes: Uint8Array; duration: number; independent: boolean }
  | { kind: 'segment'; segment: number; bytes: Uint8Array; duration: number; parts: number };

/**
 * Splits a growing fMP4 into an init segment, parts as they complete, and whole segments once their
 * parts add up to `segmentSeconds` (less half a part, for frame rounding) or a key frame starts the next.
 * Segments and parts are numbered from 0 in the order they appear.
 */
export function createPartSplitter(options: { segmentSeconds: number; partSeconds: number }) {
  let buffer = new Uint8Array(0);
  let initBoxes: Uint8Array[] = [];
  let tracks: Map<number, TrackInfo> | undefined;
  let moof: Uint8Array | undefined;
  let segment = 0;
  let parts: { bytes: Uint8Array; duration: number }[] = [];

  const closeSegment = (events: SplitEvent[]) => {
    if (parts.length === 0) return;
    const size = parts.reduce((sum, p) => sum + p.bytes.byteLength, 0);
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      bytes.set(p.bytes, at);
      at += p.bytes.byteLength;
    }
    const duration = parts.reduce((sum, p) => sum + p.duration, 0);
    events.push({ kind: 'segment', segment, bytes, duration, parts: parts.length });
    segment++;
    parts = [];
  };

  return {
    push(chunk: Uint8Array): SplitEvent[] {
      const joined = new Uint8Array(buffer.byteLength + chunk.byteLength);
      joined.set(buffer);
      joined.set(chunk, buffer.byteLength);
      const { boxes, consumed } = completeBoxes(joined);
      const events: SplitEvent[] = [];
      for (const box of boxes) {
        const bytes = joined.slice(box.start, box.end);
        if (!tracks) {
          initBoxes.push(bytes);
          if (box.type !== 'moov') continue;
          const init = new Uint8Array(initBoxes.reduce((sum, b) => sum + b.byteLength, 0));
          let at = 0;
          for (const b of initBoxes) {
            init.set(b, at);
            at += b.byteLength;
          }
          tracks = readTracks(init);
          initBoxes = [];
          events.push({ kind: 'init', bytes: init });
        } else if (box.type === 'moof') {
          moof = bytes;
        } else if (box.type === 'mdat' && moof) {
          const timing = fragmentTiming(moof, { type: 'moof', start: 0, end: moof.byteLength }, tracks);
          if (timing.independent && parts.length > 0) closeSegment(events);
          const part = new Uint8Array(moof.byteLength + bytes.byteLength);
          part.set(moof);
          part.set(bytes, moof.byteLength);
          moof = undefined;
          events.push({ kind: 'part', segment, part: parts.length, bytes: part, ...timing });
          parts.push({ bytes: part, duration: timing.duration });
          const total = parts.reduce((sum, p) => sum + p.duration, 0);
          if (total >= options.segmentSeconds - options.partSeconds / 2) closeSegment(events);
        }
        // Anything else after the init (mfra at the end of the file, free, ...) belongs to no part.
      }
      buffer = joined.slice(consumed);
      return events;
    },
    /** The stream ended: the segment in hand, however short, is complete. */
    end(): SplitEvent[] {
      const events: SplitEvent[] = [];
      closeSegment(events);
      return events;
    },
  };
}

/**
 * ffmpeg's -frag_duration for a requested part length (whole frames, at most the request), and the
 * PART-TARGET to declare: one frame more, rounded up to the millisecond, since ffmpeg cuts a fragment at
 * the first frame past -frag_duration and the stream's first fragment runs a frame long (x264's delay).
 */
export function partPlan(partSeconds: number, frameRate: number): { fragmentSeconds: number; partTarget: number } {
  const frames = Math.max(1, Math.floor(partSeconds * frameRate + 1e-9));
  return {
    fragmentSeconds: frames / frameRate,
    partTarget: Math.ceil(((frames + 1) / frameRate) * 1000 - 1e-6) / 1000,
  };
}
