/** Who may do what: publishers hold their stream's key; the operator holds PUBLISH_SECRET itself. */
import { timingSafeEqual, verifyPublishKey } from '@edgeswarm/protocol';
import type { Context } from 'hono';
import { readConfig } from '../config';
import type { AppEnv } from '../env';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../lib/errors';

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

function secretOrClosed(c: Context<AppEnv>): string {
  const secret = readConfig(c.env).publishSecret;
  if (!secret) throw new ServiceUnavailableError('publishing is closed: PUBLISH_SECRET is not configured');
  return secret;
}

function presented(c: Context<AppEnv>, what: string): string {
  const token = bearerToken(c.req.header('Authorization'));
  if (!token) throw new UnauthorizedError(`${what} is required: Authorization: Bearer <${what}>`);
  return token;
}

/** The stream's publish key, or the operator secret (which can do anything a publisher can). */
export async function requirePublisher(c: Context<AppEnv>, streamId: string): Promise<void> {
  const secret = secretOrClosed(c);
  const token = presented(c, 'a publish key');
  if (timingSafeEqual(token, secret) || (await verifyPublishKey(secret, streamId, token))) return;
  throw new ForbiddenError(`the publish key is not valid for stream ${streamId}`);
}

export function requireOperator(c: Context<AppEnv>): void {
  const secret = secretOrClosed(c);
  if (!timingSafeEqual(presented(c, 'the operator secret'), secret)) {
    throw new ForbiddenError('this needs the operator secret (PUBLISH_SECRET)');
  }
}
