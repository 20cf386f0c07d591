/** Entry point of `npm run token` (see token-command.ts): the token on stdout, what it allows on stderr. */
import { valueOrExit } from './cli-exit';
import { readDevVars } from './dev-vars';
import { tokenFromArgs, tokenUsage } from './token-command';

const result = await tokenFromArgs(
  process.argv.slice(2),
  process.env.PLAYBACK_KEYS ?? readDevVars().PLAYBACK_KEYS,
  Math.floor(Date.now() / 1000),
);
const { token, stream, expiresAt, keyId } = valueOrExit(result, tokenUsage);
console.error(`playback token for stream ${stream}, key ${keyId}, until ${new Date(expiresAt * 1000).toISOString()}`);
console.log(token);
