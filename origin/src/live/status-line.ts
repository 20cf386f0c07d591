/** The publisher's status line, from plain numbers. */

export interface PublishStats {
  renditions: number;
  kbps: number;
  published: number;
  /** Seconds from a segment's last captured frame to its commit at the edge. */
  lagSeconds: number | undefined;
  queueDepth: number;
  retrying: boolean;
}

export function formatStatus(stream: string, s: PublishStats): string {
  const lag = s.lagSeconds === undefined ? '—' : `${s.lagSeconds.toFixed(1)} s`;
  const edge = s.retrying ? ' · edge unreachable, queueing' : '';
  return `live ${stream} · ${s.renditions} renditions · ${Math.round(s.kbps)} kb/s · ${s.published} segments published · lag ${lag} · queue ${s.queueDepth}${edge}`;
}

/** Bits per second over the last `windowMs`, from (time, bytes) samples. */
export function bitrateKbps(samples: { at: number; bytes: number }[], now: number, windowMs = 10_000): number {
  const recent = samples.filter((s) => s.at > now - windowMs);
  return (recent.reduce((sum, s) => sum + s.bytes, 0) * 8) / windowMs;
}
