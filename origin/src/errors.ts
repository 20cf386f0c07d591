/** The origin's error taxonomy: each says whether retrying could help, and carries a clear message for the CLI. */
export class OriginError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input file or the command line is wrong; nothing was published. */
export class InputError extends OriginError {}

/** The command line itself is wrong (an unknown option, a malformed value): the CLI adds the usage and exits 2. */
export class UsageError extends InputError {}

/** ffmpeg or ffprobe is missing or failed. */
export class ToolError extends OriginError {}

/** The edge answered 4xx: retrying the same request cannot succeed. */
export class EdgeRejectedError extends OriginError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly what: string,
  ) {
    super(`edge refused ${what}: ${status} ${reason}`);
  }
}

/** The edge refused to take this publisher at all (wrong key, wrong edge): nothing was encoded or sent. */
export class PreflightError extends OriginError {}

/** The edge was unreachable or answered 5xx; worth retrying later. */
export class EdgeUnavailableError extends OriginError {
  constructor(message: string) {
    super(message, true);
  }
}

/** The publisher's disk queue could not take more (ENOSPC): nothing queued is lost; retrying needs space first. */
export class QueueFullError extends OriginError {}

/** Whether an error is the disk being full. */
export const isDiskFull = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOSPC';

/** Another process holds what this one needs (a state folder, a queue, a port): retrying now cannot succeed. */
export class LockedError extends OriginError {
  constructor(
    message: string,
    /** The lock file naming the holder, when there is one. */
    readonly lockFile?: string,
  ) {
    super(message);
  }
}
