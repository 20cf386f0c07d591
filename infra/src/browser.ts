/**
 * Headless Chromium for tests and harnesses, driven by playwright-core. Only
 * a system Chromium (or CHROMIUM_PATH) is used: nothing is downloaded.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
  return found;
}

export interface ChromiumOptions {
  /** Run the browser in this named network namespace (ip netns), e.g. a viewer's own link. */
  netns?: string;
  /**
   * An http origin to treat as a secure context. Pages from a namespace address are not on loopback, and
   * without a secure context there is no Web Crypto: every P2P segment would fail its integrity check.
   */
  secureOrigin?: string;
}

let netnsWrapper: string | undefined;

/**
 * playwright launches an executable with its arguments and talks to it over fds 3 and 4; `ip netns exec`
 * keeps both, so a two-line wrapper puts the browser (and every process it forks) in the namespace.
 */
function wrapperInNetns(): string {
  if (!netnsWrapper) {
    const path = join(mkdtempSync(join(tmpdir(), 'edgeswarm-chromium-')), 'chromium-in-netns');
    writeFileSync(path, '#!/bin/sh\nexec ip netns exec "$EDGESWARM_NETNS" "$EDGESWARM_CHROMIUM" "$@"\n');
    chmodSync(path, 0o755);
    netnsWrapper = path;
  }
  return netnsWrapper;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = [...chromiumArgs];
  if (options.secureOrigin) args.push(`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigin}`);
  // playwright-core adds --headless and a fresh temporary profile per launch.
  if (!options.netns) return chromium.launch({ executablePath: findChromium(), args });
  return chromium.launch({
    executablePath: wrapperInNetns(),
    args,
    env: { ...process.env, EDGESWARM_NETNS: options.netns, EDGESWARM_CHROMIUM: findChromium() },
  });
}
