// Types `env` and `exports` from `cloudflare:workers` (used by the tests) as our Worker's.
import type { Env as EdgeEnv } from './env';

declare global {
  namespace Cloudflare {
    interface Env extends EdgeEnv {}
    interface GlobalProps {
      mainModule: typeof import('./index');
    }
  }
}
