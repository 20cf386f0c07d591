/**
 * The P2P stack (p2p-media-loader-core and -hlsjs, the tracker client, simple-peer and their Node shims) is a second
 * script, hybrid-p2p.js, loaded once playback has kept pace for a moment after the first frame (the tick's p2p,
 * policy/src/p2p-start.ts): a newcomer has no peers for its first segments anyway, a starved device needs its CPU for
 * them, and the first script a viewer loads stays hls.js plus our glue. This is the glue's side of it: where the
 * script is, loading it once per page, and the fragment loader that lets hls.js start alone and hand its fragment
 * loads to p2p-media-loader later.
 *
 * It is a plain script (not an ES module) injected with a <script> tag, so a page on another origin that embeds
 * hybrid-player.js with a script tag loads it the same way, without CORS.
 */
import type { FragmentLoaderConstructor, HlsConfig } from 'hls.js';

/**
 * What hybrid-p2p.js hands over (its p2pStack): the engine, and the shims that only ever run on one (p2p-shim.ts) or
 * on what comes from peers (the bundled SHA-256), so their code loads with it and not in the first script. A type
 * only: nothing of that script is bundled into this one.
 */
export type P2PStack = typeof import('../pages/hybrid-p2p')['p2pStack'];

/** The global hybrid-p2p.js sets its stack on (read once, as its script's load event fires). */
export const p2pStackGlobal = 'EdgeswarmP2PStack';

/** The second script's name, next to hybrid-player.js. */
export const p2pStackScript = 'hybrid-p2p.js';

/**
 * The script hybrid-player.js was loaded from, read while it runs (document.currentScript is null afterwards); the
 * P2P script sits beside it.
 */
const loadedFrom =
  typeof document === 'undefined' ? undefined : (document.currentScript as HTMLScriptElement | null)?.src || undefined;

/** Pure: where hybrid-p2p.js is: beside the player script, or (no script known) under the edge's /player/. */
export function p2pStackUrl(playerScript: string | undefined, src: string, base: string): string {
  return playerScript
    ? new URL(p2pStackScript, playerScript).toString()
    : new URL(`/player/${p2pStackScript}`, new URL(src, base)).toString();
}

/** The default for HybridPlayerOptions.p2pScript. */
export function defaultP2PStackUrl(src: string): string {
  return p2pStackUrl(loadedFrom, src, location.href);
}

const loading = new Map<string, Promise<P2PStack>>();

/** Loads hybrid-p2p.js once per page (every player on it shares it); rejects when it cannot be loaded. */
export function loadP2PStack(url: string): Promise<P2PStack> {
  const existing = loading.get(url);
  if (existing) return existing;
  const promise = new Promise<P2PStack>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.addEventListener('load', () => {
      const stack = (globalThis as Record<string, unknown>)[p2pStackGlobal] as P2PStack | undefined;
      if (stack?.HlsJsP2PEngine) resolve(stack);
      else reject(new Error(`${url} loaded but set no ${p2pStackGlobal}`));
    });
    script.addEventListener('error', () => reject(new Error(`could not load ${url}`)));
    document.head.append(script);
  });
  // A failed load may be retried by the next player (a blip, not a verdict for the page).
  promise.catch(() => loading.delete(url));
  loading.set(url, promise);
  return promise;
}

/**
 * hls.js's fLoader: builds, for each fragment (hls.js makes a loader per fragment), whichever loader `current` gives,
 * or hls.js's own (`config.loader`) while it gives none. Loads under way when the engine attaches finish as they
 * began; every later one goes through p2p-media-loader.
 */
export function switchableFragmentLoader(
  current: () => FragmentLoaderConstructor | undefined,
): FragmentLoaderConstructor {
  // A plain function: called with `new`, the object it returns is the instance hls.js gets.
  function SwitchableFragmentLoader(config: HlsConfig) {
    const Chosen = current() ?? (config.loader as unknown as FragmentLoaderConstructor);
    return new Chosen(config);
  }
  return SwitchableFragmentLoader as unknown as FragmentLoaderConstructor;
}
