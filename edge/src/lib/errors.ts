/**
 * The edge's error taxonomy. Routes throw these; one `onError` handler in
 * index.ts turns them into `{ error, reason }` JSON with their status. Anything
 * else is a bug and becomes a 500 without leaking internals.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 412 | 413 | 416 | 429 | 500 | 501 | 503;

export class EdgeError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    /** Whether a client may retry the same request unchanged. */
    readonly retryable = false,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends EdgeError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

export class UnauthorizedError extends EdgeError {
  constructor(message: string) {
    super(401, 'unauthorized', message, false, { 'WWW-Authenticate': 'Bearer realm="edgeswarm ingest"' });
  }
}

export class ForbiddenError extends EdgeError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/** A protected stream's resource asked for without a playback token (signed playback). */
export class TokenRequiredError extends EdgeError {
  constructor(message: string) {
    super(401, 'token_required', message, false, { 'WWW-Authenticate': 'Bearer realm="edgeswarm playback"' });
  }
}

/** A playback token that is malformed, forged, expired, for another stream or signed with a retired key. */
export class TokenRejectedError extends EdgeError {
  constructor(message: string) {
    super(403, 'token_rejected', message);
  }
}

export class NotFoundError extends EdgeError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends EdgeError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** A conditional write whose condition failed: `If-None-Match: *` on an object that exists. */
export class PreconditionFailedError extends EdgeError {
  constructor(message: string) {
    super(412, 'precondition_failed', message);
  }
}

export class PayloadTooLargeError extends EdgeError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `body is larger than the ${limit}-byte limit`);
  }
}

export class RangeNotSatisfiableError extends EdgeError {
  constructor(size: number) {
    super(416, 'range_not_satisfiable', `range is outside the ${size}-byte object`, false, {
      'Content-Range': `bytes */${size}`,
    });
  }
}

export class TooManyRequestsError extends EdgeError {
  constructor(message: string, retryAfterSeconds?: number) {
    super(
      429,
      'too_many_requests',
      message,
      true,
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/** A request the edge understands but does not serve in the form asked for (oEmbed's unsupported format). */
export class NotImplementedError extends EdgeError {
  constructor(message: string) {
    super(501, 'not_implemented', message);
  }
}

export class ServiceUnavailableError extends EdgeError {
  constructor(message: string) {
    super(503, 'unavailable', message, true);
  }
}

export interface ErrorBody {
  error: string;
  reason: string;
}

export function errorBody(error: EdgeError): ErrorBody {
  return { error: error.code, reason: error.message };
}
