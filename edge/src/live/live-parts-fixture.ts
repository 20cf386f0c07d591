/**
 * A live stream with LL-HLS parts, built through the coordinator's own pure decisions
 * (live-state.ts): the edge tests on workerd and infra's bench:live --parts tests share it.
 */
import type { SegmentCommit } from '@edgeswarm/protocol';
import {
  applyCommit,
  applyPart,
  type LiveStreamState,
  liveDefaults,
  newStream,
  openSession,
  type PartLog,
  type PartUpload,
  pruneParts,
} from './live-state';

/** When the fixture's stream opens; segment `msn` is programmed at t0 + 2·msn s. */
export const partsFixtureStart = new Date('2026-12-01T09:00:00.000Z');

const at = (seconds: number) => new Date(partsFixtureStart.getTime() + seconds * 1000);

/** Segment `msn`'s commit: 2 s, session `session`'s init segment. */
export function fixtureCommit(msn: number, rendition = 'v0', session = 0): SegmentCommit {
  return {
    rendition,
    msn,
    name: `${rendition}/s${session}-${msn}.m4s`,
    init: `${rendition}/init-s${session}.mp4`,
    duration: 2,
    sha256: msn.toString(16).padStart(64, '0'),
    programDateTime: at(msn * 2).toISOString(),
    discontinuity: false,
  };
}

/** Part `part` of segment `msn`: 0.5 s, 1000 bytes, independent when it is the segment's first. */
export function fixturePart(msn: number, part: number, rendition = 'v0', session = 0): PartUpload {
  return {
    rendition,
    session,
    msn,
    part,
    duration: 0.5,
    independent: part === 0,
    sha256: `${msn}${part}`.padStart(64, 'a'),
    size: 1000,
  };
}

/**
 * Rendition v0 with parts of 0.5 s (`partTarget`, or none when null): `segments` complete
 * segments of 4 parts each, committed 2 s apart, then `open` parts of the next.
 */
export function partsFixture(
  segments: number,
  open: number,
  partTarget: number | null = 0.5,
): { state: LiveStreamState; log: PartLog } {
  let state: LiveStreamState = openSession(
    newStream('demo', { ...liveDefaults }, partsFixtureStart),
    partsFixtureStart,
    partTarget ?? undefined,
  ).state;
  let log: PartLog = {};
  const put = (upload: PartUpload) => {
    const result = applyPart(state, log, upload);
    if (!result.ok) throw new Error(result.reason);
    log = result.log;
  };
  for (let msn = 0; msn < segments; msn++) {
    if (partTarget !== null) for (let part = 0; part < 4; part++) put(fixturePart(msn, part));
    const result = applyCommit(state, fixtureCommit(msn), at(msn * 2 + 2));
    if (!result.ok) throw new Error(result.reason);
    state = result.state;
    log = pruneParts(state, log);
  }
  for (let part = 0; part < open; part++) put(fixturePart(segments, part));
  return { state, log };
}
