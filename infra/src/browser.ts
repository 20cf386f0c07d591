/**
 * Headless Chromium for tests and harnesses, driven by playwright-core. Only
 * a system Chromium (or CHROMIUM_PATH) is used: nothing is downloaded.
 */
import { existsSync } from 'node:fs';
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

export async function launchChromium(): Promise<Browser> {
  // playwright-core adds --headless and a fresh temporary profile per launch.
  return chromium.launch({ executablePath: findChromium(), args: chromiumArgs });
}
