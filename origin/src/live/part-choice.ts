/**
 * Whether `publish` sends LL-HLS parts, and how long: `--parts`, `--no-parts`, `--part-seconds`. Pure.
 *
 * Parts are on by default, so the live stream a newcomer starts is LL-HLS. `--no-parts` sends whole
 * segments only (today's HLS, for a publisher that must not send parts); `--parts` says the default
 * out loud. The range (0.1 s to half a segment) is checked by publishLive, which knows the segment.
 */
import { partDefaults } from './publish';

export interface PartFlags {
  parts: boolean;
  noParts: boolean;
  /** `--part-seconds` as written, if given. */
  partSeconds: string | undefined;
}

/** Seconds per part, or undefined for whole segments only; or why the flags do not make sense. */
export type PartChoice = { ok: true; partSeconds: number | undefined } | { ok: false; reason: string };

export function choosePartSeconds(flags: PartFlags): PartChoice {
  if (flags.parts && flags.noParts) return { ok: false, reason: '--parts and --no-parts contradict each other' };
  if (flags.noParts) {
    if (flags.partSeconds !== undefined)
      return { ok: false, reason: '--part-seconds is for parts; --no-parts sends whole segments only' };
    return { ok: true, partSeconds: undefined };
  }
  if (flags.partSeconds === undefined) return { ok: true, partSeconds: partDefaults.partSeconds };
  const seconds = Number(flags.partSeconds);
  if (flags.partSeconds.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    return { ok: false, reason: `--part-seconds must be a positive number of seconds, not ${flags.partSeconds}` };
  return { ok: true, partSeconds: seconds };
}
