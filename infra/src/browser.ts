/**
 * Headless Chromium for tests and harnesses, driven by playwright-core. Only
 * a system Chromium (or CHROMIUM_PATH) is used: nothing is downloaded.
 *
 * Chromium's headless shell comes first (Debian's chromium-headless-shell, the
 * build playwright itself runs headless). It is the same Blink, V8, media
 * stack and WebRTC as the full browser, without the browser's own window UI.
 * With the full browser, Chromium 156 gave every new page a "top-chrome"
 * WebUI renderer of its own that spent about 1.9 s of CPU as the page opened
 * (4 pages: 7.6 s), on the 2-core machines the joins of the viewers after
 * the first; the shell has none. The full browser is the fallback.
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
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium-headless-shell',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) {
    throw new Error('Chromium not found: apt-get install chromium-headless-shell (or chromium), or set CHROMIUM_PATH');
  }
  return found;
}

/** A `.localhost` name for an address, and the page base that uses it. */
export interface SecureAlias {
  host: string;
  address: string;
  /** The page base with the alias in place of the address, e.g. http://edge.localhost:8787. */
  pageBase: string;
}

/** The name secureAliasFor gives an edge on a non-loopback address. */
export const secureAliasHost = 'edge.localhost';

/**
 * Pure: the alias under which a page base on a non-loopback http address is a secure context; undefined where it is
 * one already (https, loopback, a localhost name).
 */
export function secureAliasFor(pageBase: string): SecureAlias | undefined {
  const url = new URL(pageBase);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const trustworthy =
    url.protocol === 'https:' ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\./.test(host) ||
    host === '::1';
  if (trustworthy) return undefined;
  url.hostname = secureAliasHost;
  return { host: secureAliasHost, address: host, pageBase: url.toString().replace(/\/$/, '') };
}

export interface ChromiumOptions {
  /** Run the browser in this named network namespace (ip netns), e.g. a viewer's own link. */
  netns?: string;
  /**
   * Reach `address` under `host`, a `.localhost` name (`--host-resolver-rules`): Chromium counts every `.localhost`
   * origin as a secure context, as an https page is, whatever address it maps to. A page on a namespace's bridge
   * address is not on loopback, and without a secure context it has no Web Crypto. (chromium-headless-shell ignores
   * `--unsafely-treat-insecure-origin-as-secure`; the full browser honours it, which hid this until session 19.)
   */
  secureAlias?: SecureAlias;
  /**
   * Run the browser, and every process it forks, in this cgroup (a directory of cgroup v1's cpu controller, e.g. a
   * viewer's CPU quota, cohort/viewer-cpu.ts): it joins before Chromium starts.
   */
  cgroup?: string;
}

let wrapper: string | undefined;

/** The wrapper's script: join the cgroup (if any), then exec Chromium, in the namespace (if any). */
export const wrapperScript = [
  '#!/bin/sh',
  'if [ -n "$EDGESWARM_CGROUP" ]; then echo $$ > "$EDGESWARM_CGROUP/cgroup.procs" || exit 1; fi',
  'if [ -n "$EDGESWARM_NETNS" ]; then exec ip netns exec "$EDGESWARM_NETNS" "$EDGESWARM_CHROMIUM" "$@"; fi',
  'exec "$EDGESWARM_CHROMIUM" "$@"',
  '',
].join('\n');

/**
 * playwright launches an executable with its arguments and talks to it over fds 3 and 4; `ip netns exec`
 * keeps both, so a short wrapper puts the browser (and every process it forks) in the namespace and the cgroup.
 */
function chromiumWrapper(): string {
  if (!wrapper) {
    const path = join(mkdtempSync(join(tmpdir(), 'edgeswarm-chromium-')), 'chromium-wrapped');
    writeFileSync(path, wrapperScript);
    chmodSync(path, 0o755);
    wrapper = path;
  }
  return wrapper;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = [...chromiumArgs];
  if (options.secureAlias)
    args.push(`--host-resolver-rules=MAP ${options.secureAlias.host} ${options.secureAlias.address}`);
  // playwright-core adds --headless and a fresh temporary profile per launch.
  if (!options.netns && !options.cgroup) return chromium.launch({ executablePath: findChromium(), args });
  return chromium.launch({
    executablePath: chromiumWrapper(),
    args,
    env: {
      ...process.env,
      EDGESWARM_NETNS: options.netns ?? '',
      EDGESWARM_CGROUP: options.cgroup ?? '',
      EDGESWARM_CHROMIUM: findChromium(),
    },
  });
}
