/**
 * bench:nat's namespace side (nat.ts starts it inside a private network
 * namespace, the `bridge` layout): STUN servers on the bridge, then per NAT
 * kind a mapping probe, then per pair of kinds and repeat two fresh viewers
 * (namespace, NAT, Chromium) that try to open a data channel. Prints the
 * result as JSON on the last stdout line; progress on stderr.
 *
 * Usage: nat-run.ts '<json NatBenchArgs>'
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../src/browser';
import { ViewerNetwork } from '../src/cohort/viewer-links';
import { type NatKind, viewerNatSetup } from '../src/cohort/viewer-nat';
import { repoRoot } from '../src/local-edge';
import { namespaceAddress } from '../src/netns';
import { type StunServer, startStunServer } from '../src/stun-server';
import { tsxCommand } from '../src/tsx-command';
import {
  type ChosenPair,
  type MappingProbe,
  type NatBenchArgs,
  type NatTrial,
  natBenchDefaults,
  natPairs,
  sdpCandidates,
} from './nat-matrix';

const args = JSON.parse(process.argv[2] ?? '{}') as NatBenchArgs;
const log = (line: string) => process.stderr.write(`${line}\n`);
const unshaped = { downMbps: null, upMbps: null };

/**
 * Runs in the page (a string, so nothing of the bundler's reaches it): one RTCPeerConnection and one data channel,
 * signalled as simple-peer does with trickle off (the whole SDP once gathering is complete, or after its timeout).
 */
const pageScript = `window.natTrial = (() => {
  let pc, channel, acceptedAt = 0, echoedAt = 0;
  let onOpen, onEcho;
  const opened = new Promise((r) => { onOpen = r; });
  const echoed = new Promise((r) => { onEcho = r; });
  const wire = (ch) => {
    channel = ch;
    ch.onopen = () => onOpen();
    ch.onmessage = (e) => {
      if (e.data === 'ping') ch.send('pong');
      if (e.data === 'pong') { echoedAt = performance.now(); onEcho(); }
    };
  };
  const gathered = (ms) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
  const start = (config) => {
    pc = new RTCPeerConnection(config);
    pc.ondatachannel = (e) => wire(e.channel);
  };
  return {
    async offer(config, gatherMs) {
      start(config);
      wire(pc.createDataChannel('nat'));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(gatherMs);
      return pc.localDescription.sdp;
    },
    async answer(config, gatherMs, sdp) {
      start(config);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(gatherMs);
      return pc.localDescription.sdp;
    },
    async accept(sdp) {
      acceptedAt = performance.now();
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
    async ping(timeoutMs) {
      const late = new Promise((r) => setTimeout(() => r('late'), timeoutMs));
      const done = await Promise.race([opened.then(() => { channel.send('ping'); return echoed; }), late]);
      return done === 'late' ? null : echoedAt - acceptedAt;
    },
    async chosen() {
      const stats = await pc.getStats();
      let pair;
      stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
      if (!pair) stats.forEach((s) => { if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
      if (!pair) return null;
      const l = stats.get(pair.localCandidateId), r = stats.get(pair.remoteCandidateId);
      return { localType: l.candidateType, remoteType: r.candidateType, local: l.address + ':' + l.port,
        remote: r.address + ':' + r.port, protocol: l.protocol };
    },
    state() { return pc ? pc.iceConnectionState : 'none'; },
    close() { if (pc) pc.close(); },
  };
})();
0;`;

function run(file: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

async function probe(network: ViewerNetwork, index: number, kind: NatKind, stun: StunServer[]): Promise<MappingProbe> {
  const netns = await network.add(index, unshaped, viewerNatSetup(index, kind, unshaped));
  try {
    const out = await run('ip', [
      'netns',
      'exec',
      netns,
      ...tsxCommand(join(repoRoot, 'infra/bench/nat-probe.ts'), namespaceAddress, ...stun.map((s) => String(s.port))),
    ]);
    return { kind, seen: JSON.parse(out.trim().split('\n').at(-1) ?? '[]') };
  } finally {
    await network.remove(index);
  }
}

interface Side {
  browser: Browser;
  page: Page;
}

async function side(network: ViewerNetwork, index: number, kind: NatKind): Promise<Side> {
  const netns = await network.add(index, unshaped, viewerNatSetup(index, kind, unshaped));
  const browser = await launchChromium({ netns });
  const page = await browser.newPage();
  await page.goto('about:blank');
  await page.evaluate(pageScript);
  return { browser, page };
}

async function trial(
  network: ViewerNetwork,
  first: number,
  [offererKind, answererKind]: [NatKind, NatKind],
  repeat: number,
  config: RTCConfiguration,
): Promise<NatTrial> {
  const record: NatTrial = {
    offerer: offererKind,
    answerer: answererKind,
    repeat,
    open: false,
    connectMs: null,
    pair: null,
    candidates: { offerer: [], answerer: [] },
    iceState: { offerer: 'none', answerer: 'none' },
  };
  const sides: Side[] = [];
  try {
    const offerer = await side(network, first, offererKind);
    sides.push(offerer);
    const answerer = await side(network, first + 1, answererKind);
    sides.push(answerer);
    const gatherMs = natBenchDefaults.gatherTimeoutMs;
    const offer = await offerer.page.evaluate(([c, g]) => window.natTrial.offer(c, g), [config, gatherMs] as const);
    const answer = await answerer.page.evaluate(([c, g, sdp]) => window.natTrial.answer(c, g, sdp), [
      config,
      gatherMs,
      offer,
    ] as const);
    record.candidates = { offerer: sdpCandidates(offer), answerer: sdpCandidates(answer) };
    await offerer.page.evaluate((sdp) => window.natTrial.accept(sdp), answer);
    const connectMs = await offerer.page.evaluate((ms) => window.natTrial.ping(ms), args.timeoutSeconds * 1000);
    record.open = connectMs !== null;
    record.connectMs = connectMs;
    record.pair = await offerer.page.evaluate(() => window.natTrial.chosen());
    record.iceState = {
      offerer: await offerer.page.evaluate(() => window.natTrial.state()),
      answerer: await answerer.page.evaluate(() => window.natTrial.state()),
    };
  } catch (error) {
    record.error = (error as Error).message.split('\n')[0];
  } finally {
    for (const s of sides) await s.browser.close().catch(() => {});
    await network.remove(first);
    await network.remove(first + 1);
  }
  return record;
}

declare global {
  interface Window {
    natTrial: {
      offer(config: RTCConfiguration, gatherMs: number): Promise<string>;
      answer(config: RTCConfiguration, gatherMs: number, sdp: string): Promise<string>;
      accept(sdp: string): Promise<void>;
      ping(timeoutMs: number): Promise<number | null>;
      chosen(): Promise<ChosenPair | null>;
      state(): string;
    };
  }
}

const stun = await Promise.all(
  natBenchDefaults.stunPorts.map((port) => startStunServer({ host: namespaceAddress, port })),
);
const network = new ViewerNetwork();
try {
  const probes: MappingProbe[] = [];
  for (const [i, kind] of args.kinds.entries()) {
    const p = await probe(network, i, kind, stun);
    log(`nat: ${kind} seen by the STUN server as ${JSON.stringify(p.seen)}`);
    probes.push(p);
  }
  // The pages ask the first STUN server only, as a player given one ice-servers URL would.
  const config: RTCConfiguration = { iceServers: [{ urls: (stun[0] as StunServer).url }] };
  const trials: NatTrial[] = [];
  // Fresh indices (addresses, MACs) for every viewer, so no neighbour cache holds a previous viewer's.
  let next = args.kinds.length;
  for (let repeat = 0; repeat < args.repeats; repeat++) {
    for (const given of natPairs(args.kinds)) {
      // Either side may offer in a swarm (whoever's offer the tracker relays): the repeats alternate.
      const pair: [NatKind, NatKind] = repeat % 2 === 0 ? given : [given[1], given[0]];
      const t = await trial(network, next, pair, repeat, config);
      next += 2;
      log(
        `nat: ${pair[0]} ↔ ${pair[1]} #${repeat + 1}: ${t.open ? `open in ${t.connectMs?.toFixed(0)} ms` : 'no channel'}${t.pair ? `, ${t.pair.localType} ${t.pair.local} → ${t.pair.remoteType} ${t.pair.remote}` : ''} (ice ${t.iceState.offerer}/${t.iceState.answerer})${t.error ? ` error: ${t.error}` : ''}`,
      );
      trials.push(t);
    }
  }
  const answered = stun.map((s) => s.answered());
  process.stdout.write(`${JSON.stringify({ probes, trials, stunAnswered: answered })}\n`);
} finally {
  await network.close();
  await Promise.all(stun.map((s) => s.close()));
}
