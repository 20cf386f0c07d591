// bittorrent-tracker's dependencies expect Node's `process`; esbuild injects this where they use it.
export const process = {
  env: { NODE_ENV: 'production' },
  browser: true,
  version: '',
  versions: {},
  nextTick: (callback: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => callback(...args)),
};
