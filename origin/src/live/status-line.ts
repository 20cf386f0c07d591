/** The publisher's status line, from plain numbers. */

export interface PublishStats {
  renditions: number;
  kbps: number;
  published: number;
  /** Seconds from a segment's last captured frame to its commit at the edge. */
  lagSeconds: number | undefined;
  queueDepth: number;
  retrying: boolean;
  /** While an RTMP encoder is away: seconds until the stream is ended if it does not come back. */
  endsInSeconds?: number;
}

/**
 * Seconds from a segment's last frame (its PROGRAM-DATE-TIME plus its duration) to its commit.
 * Never negative: a commit cannot come before the frame it carries, so a negative figure only
 * means the stamp was late (clocks, or a stamp taken after the frame arrived) and reads as 0.
 */
export function publishLagSeconds(committedAtMs: number, programDateTime: string, durationSeconds: number): number {
  const lastFrameAt = Date.parse(programDateTime) + durationSeconds * 1000;
  const lag = (committedAtMs - lastFrameAt) / 1000;
  return Number.isFinite(lag) ? Math.max(0, lag) : 0;
}

export function formatStatus(stream: string, s: PublishStats): string {
  // Clamped here too, so a lag from anywhere never shows as "-0.3 s" (or "-0.0 s").
  const lag = s.lagSeconds === undefined ? '—' : `${Math.max(0, s.lagSeconds).toFixed(1)} s`;
  const edge = s.retrying ? ' · edge unreachable, queueing' : '';
  const away =
    s.endsInSeconds === undefined
      ? ''
      : ` · encoder away, the stream ends in ${Math.max(0, Math.ceil(s.endsInSeconds))} s unless it comes back`;
  return `live ${stream} · ${s.renditions} renditions · ${Math.round(s.kbps)} kb/s · ${s.published} segments published · lag ${lag} · queue ${s.queueDepth}${edge}${away}`;
}

/** Bits per second over the last `windowMs`, from (time, bytes) samples. */
export function bitrateKbps(samples: { at: number; bytes: number }[], now: number, windowMs = 10_000): number {
  const recent = samples.filter((s) => s.at > now - windowMs);
  return (recent.reduce((sum, s) => sum + s.bytes, 0) * 8) / windowMs;
}
