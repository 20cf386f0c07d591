/**
 * Retention: which live segments are past keeping, as a pure plan over the
 * coordinator's state. The LiveStream object's alarm carries it out (forgets
 * the segments, then deletes their objects from R2). Done there rather than
 * by an R2 lifecycle rule: a rule ages objects in whole days by upload time
 * and prefix, while the DVR window is seconds to hours and moves with the
 * stream, and only the coordinator knows which objects its playlists still
 * list (a rule would also delete an uploaded VOD's segments, which share the
 * prefix, and leave playlists naming objects that are gone).
 */
import { type LiveStreamState, windowStart } from './live-state';

export const retentionDefaults = {
  /**
   * Seconds of media a segment is kept after it left the live window (widened to the DVR window): a
   * viewer's playlist loaded just before may still list it, a player behind live still plays it, and
   * peers still trade it.
   */
  graceSeconds: 30,
  /** How often the coordinator's alarm prunes while the stream is live. */
  everySeconds: 30,
};

export interface RetentionPlan {
  /** The state without the dropped segments (the same object when nothing is dropped). */
  state: LiveStreamState;
  /** Per rendition: drop every segment with an msn below this. */
  dropBefore: Record<string, number>;
  /** Stream-relative object names to delete: the dropped segments, and init segments no retained one uses. */
  objects: string[];
}

/**
 * Which live segments are past keeping: those more than `graceSeconds` of media behind the start of
 * the live window (the DVR window). Only while live: once ended, what is retained plays on as VOD
 * with ENDLIST, and nothing more is dropped. Pure; the coordinator's alarm carries it out.
 */
export function retentionPlan(state: LiveStreamState, options = retentionDefaults): RetentionPlan {
  const none: RetentionPlan = { state, dropBefore: {}, objects: [] };
  if (state.state !== 'live') return none;
  const renditions = { ...state.renditions };
  const pruned = { ...state.pruned };
  const dropBefore: Record<string, number> = {};
  const objects: string[] = [];
  for (const [rendition, segments] of Object.entries(state.renditions)) {
    const start = windowStart(segments, state);
    const covered = segments.slice(start).reduce((sum, s) => sum + s.duration, 0);
    // Segment i is kept while less than the grace of media came after it beyond the window.
    let keepFrom = start;
    let after = covered; // the media after segment keepFrom - 1
    while (keepFrom > 0 && after - covered < options.graceSeconds) {
      keepFrom--;
      after += segments[keepFrom]?.duration ?? 0;
    }
    if (keepFrom <= 0) continue;
    const dropped = segments.slice(0, keepFrom);
    const kept = segments.slice(keepFrom);
    const before = pruned[rendition] ?? { segments: 0, discontinuities: 0 };
    pruned[rendition] = {
      segments: before.segments + dropped.length,
      discontinuities:
        before.discontinuities + dropped.filter((s, i) => s.discontinuity && before.segments + i > 0).length,
    };
    renditions[rendition] = kept;
    dropBefore[rendition] = kept[0]?.msn ?? 0;
    const keptInits = new Set(kept.map((s) => s.init));
    objects.push(...dropped.map((s) => `${rendition}/${s.uri}`));
    objects.push(
      ...[...new Set(dropped.map((s) => s.init))].filter((i) => !keptInits.has(i)).map((i) => `${rendition}/${i}`),
    );
  }
  if (objects.length === 0) return none;
  return { state: { ...state, renditions, pruned }, dropBefore, objects };
}
