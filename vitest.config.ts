import { availableParallelism } from 'node:os';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Miniflare would otherwise fetch request.cf data from Cloudflare: nothing leaves the machine.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

export default defineConfig({
  test: {
    projects: [
      {
        // Pure modules and Node code: fast, no servers.
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{protocol,policy,origin,player,infra}/src/**/*.test.ts', 'infra/{sim,bench}/**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', '**/node_modules/**'],
          // One worker runs file after file, modules loaded once: a fresh process per file spent most of the
          // project's time starting and importing, not testing. A file that installs a global takes it away again
          // after itself (the browser globals of player.test.ts, ll-hls-interop.test.ts, stock-p2pml-announce.test.ts).
          isolate: false,
        },
      },
      {
        // The Worker on real workerd, with real R2, Cache API and Durable Objects.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                PUBLISH_SECRET: 'test-publish-secret',
                MAX_UPLOAD_BYTES: '1048576',
                TRACKER_REGION_OVERRIDE: '1',
                // Fault injection is for harnesses and these tests only; wrangler.toml never sets it.
                FAULT_INJECTION: '1',
                // Signed playback: k3 signs, k2 is in its overlap window, k1 was rotated out (edge/src/routes/access.test.ts).
                PLAYBACK_KEYS:
                  'k3:edge-test-playback-key-3,k2:edge-test-playback-key-2@2099-01-01T00:00:00Z,k1:edge-test-playback-key-1@2026-01-01T00:00:00Z',
              },
            },
          }),
        ],
        test: {
          name: 'edge',
          include: ['edge/src/**/*.test.ts'],
          // vitest-pool-workers starts a workerd for each test file, and much of a file's time is that start and the
          // tests' own waits (held requests, timeouts): two files at once even on 2 cores, where vitest's default is
          // one. Its own group, as its worker count may differ from the unit project's when both run.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Whole stack: wrangler dev, real ffmpeg, real Chromium. One file at a time.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
