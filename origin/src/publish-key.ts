/** Where the CLI gets a publish key: flag, PUBLISH_KEY, or derived from PUBLISH_SECRET (env or .dev.vars). */
import { derivePublishKey } from '@edgeswarm/protocol';
import { readDevVars } from './dev-vars';
import { InputError } from './errors';

export async function resolvePublishKey(
  streamId: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  devVars: () => Record<string, string> = readDevVars,
): Promise<string> {
  if (flag) return flag;
  if (env.PUBLISH_KEY) return env.PUBLISH_KEY;
  const secret = env.PUBLISH_SECRET || devVars().PUBLISH_SECRET;
  if (secret) return derivePublishKey(secret, streamId);
  throw new InputError(
    'no publish key: pass --key, set PUBLISH_KEY, or set PUBLISH_SECRET (npm start writes one to .dev.vars)',
  );
}
