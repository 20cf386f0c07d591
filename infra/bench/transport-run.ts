/**
 * bench:transport's namespace side (transport.ts starts it inside a private network namespace, the `veth` layout):
 * a loopback HTTP server on the namespace's address, two headless Chromium browsers (a receiver and a sender, each
 * one page from that server), and the phases of every round. Prints the readings as JSON on the last stdout line;
 * progress on stderr.
 *
 * Usage: transport-run.ts '<json TransportBenchSettings>'
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../src/browser';
import { readBrowserCpu } from '../src/cohort/browser-cpu';
import { cpuByThreadKind, readRendererThreads } from '../src/cohort/renderer-profile';
import { tbfCommand } from '../src/cohort/viewer-links';
import { namespaceAddress } from '../src/netns';
import type { TransportBenchSettings } from './bench-args';
import type { TransportCpu, TransportPhase, TransportPhaseReading } from './transport-stats';

const settings = JSON.parse(process.argv[2] ?? '{}') as TransportBenchSettings;
const log = (line: string) => process.stderr.write(`bench:transport: ${line}\n`);

/** p2p-media-loader's largest data-channel message (its webRtcMaxMessageSize default, 64 KiB − 1). */
const chunkBytes = 64 * 1024 - 1;
/** An announcement's size on the wire: a segment map of a few ids in p2p-media-loader's binary framing. */
const messageBytes = 40;

/**
 * Runs in both pages (a string, so nothing of the bundler's reaches it). Connections are signalled with trickle off
 * (the whole SDP once gathering completes), as simple-peer does in p2p-media-loader; no ICE servers, so only the
 * namespace's host address is gathered.
 */
const pageScript = `window.bench = (() => {
  const peers = new Map();
  const segment = new Uint8Array(${settings.segmentKb * 1000});
  let received = 0, target = -1, reached = null, pulled = null;
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
  });
  const entry = (id) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const e = { pc, channel: null };
    e.opened = new Promise((resolve) => { e.open = resolve; });
    peers.set(id, e);
    return e;
  };
  const wire = (e, channel) => {
    e.channel = channel;
    channel.binaryType = 'arraybuffer';
    if (channel.readyState === 'open') e.open(); else channel.onopen = () => e.open();
    channel.onmessage = (m) => {
      if (typeof m.data === 'string') {
        if (m.data === 'pull') {
          for (let at = 0; at < segment.length; at += ${chunkBytes}) channel.send(segment.subarray(at, at + ${chunkBytes}));
          channel.send('done');
        } else if (m.data === 'done' && pulled) pulled();
        return;
      }
      received++;
      if (received === target && reached) reached();
    };
  };
  return {
    async offer(id) {
      const e = entry(id);
      wire(e, e.pc.createDataChannel('bench'));
      await e.pc.setLocalDescription(await e.pc.createOffer());
      await gathered(e.pc);
      return e.pc.localDescription.sdp;
    },
    async answer(id, sdp) {
      const e = entry(id);
      e.pc.ondatachannel = (event) => wire(e, event.channel);
      await e.pc.setRemoteDescription({ type: 'offer', sdp });
      await e.pc.setLocalDescription(await e.pc.createAnswer());
      await gathered(e.pc);
      return e.pc.localDescription.sdp;
    },
    async accept(id, sdp) { await peers.get(id).pc.setRemoteDescription({ type: 'answer', sdp }); },
    opened(id) { return peers.get(id).opened; },
    close(id) { peers.get(id)?.pc.close(); peers.delete(id); },
    async fetchSegments(count) {
      for (let i = 0; i < count; i++) {
        const response = await fetch('/segment?i=' + i, { cache: 'no-store' });
        await response.arrayBuffer();
      }
    },
    async pull(id, count) {
      const channel = peers.get(id).channel;
      for (let i = 0; i < count; i++) {
        const done = new Promise((resolve) => { pulled = resolve; });
        channel.send('pull');
        await done;
      }
      pulled = null;
    },
    expect(count) {
      received = 0;
      target = count;
      window.benchReached = new Promise((resolve) => { reached = resolve; });
    },
    async push(id, count) {
      const channel = peers.get(id).channel;
      const message = new Uint8Array(${messageBytes});
      channel.bufferedAmountLowThreshold = 64 * 1024;
      for (let i = 0; i < count; i++) {
        if (channel.bufferedAmount > 1024 * 1024) {
          await new Promise((resolve) => { channel.onbufferedamountlow = resolve; });
        }
        channel.send(message);
      }
    },
  };
})();
0;`;

async function serve(): Promise<{ url: string; close: () => Promise<void> }> {
  const segment = Buffer.alloc(settings.segmentKb * 1000, 7);
  const page = '<!doctype html><meta charset="utf-8"><title>bench:transport</title>';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://namespace').pathname;
    if (path === '/') return response.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    if (path === '/segment') {
      return response
        .writeHead(200, {
          'Content-Type': 'video/mp4',
          'Content-Length': segment.length,
          'Cache-Control': 'no-store',
        })
        .end(segment);
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, namespaceAddress, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${namespaceAddress}:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Side {
  browser: Browser;
  page: Page;
}

async function open(url: string): Promise<Side> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(url);
  await page.evaluate(pageScript);
  return { browser, page };
}

async function cpu(side: Side): Promise<TransportCpu> {
  const [reading, threads] = await Promise.all([readBrowserCpu(side.browser), readRendererThreads(side.browser)]);
  if (!reading) throw new Error('the browser did not report its CPU (SystemInfo.getProcessInfo)');
  return {
    rendererSeconds: reading.rendererSeconds,
    totalSeconds: reading.totalSeconds,
    threads: cpuByThreadKind(threads ?? []),
  };
}

let nextId = 0;

/** A connection from the sender to the receiver, open. */
async function connect(sender: Side, receiver: Side): Promise<string> {
  const id = `c${nextId++}`;
  const offer = await sender.page.evaluate((i) => window.bench.offer(i), id);
  const answer = await receiver.page.evaluate(([i, sdp]) => window.bench.answer(i, sdp), [id, offer] as const);
  await sender.page.evaluate(([i, sdp]) => window.bench.accept(i, sdp), [id, answer] as const);
  await Promise.all([
    sender.page.evaluate((i) => window.bench.opened(i), id),
    receiver.page.evaluate((i) => window.bench.opened(i), id),
  ]);
  return id;
}

async function disconnect(sender: Side, receiver: Side, id: string): Promise<void> {
  await Promise.all([
    sender.page.evaluate((i) => window.bench.close(i), id),
    receiver.page.evaluate((i) => window.bench.close(i), id),
  ]);
}

const readings: TransportPhaseReading[] = [];

async function phase(
  name: TransportPhase,
  round: number,
  sides: { receiver: Side; sender: Side },
  units: number,
  work: () => Promise<void>,
): Promise<void> {
  const before = { receiver: await cpu(sides.receiver), sender: await cpu(sides.sender) };
  const start = performance.now();
  await work();
  const wallSeconds = (performance.now() - start) / 1000;
  const after = { receiver: await cpu(sides.receiver), sender: await cpu(sides.sender) };
  readings.push({
    phase: name,
    round,
    wallSeconds,
    units,
    receiver: { before: before.receiver, after: after.receiver },
    sender: { before: before.sender, after: after.sender },
  });
  const extra = after.receiver.rendererSeconds - before.receiver.rendererSeconds;
  log(`round ${round}: ${name} ${wallSeconds.toFixed(1)} s, receiver renderer +${extra.toFixed(2)} s`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Both browsers and the server share the namespace's address, so everything between them crosses its loopback: shaped
// there, with a veth's MTU, the packets arrive at the link's pace.
if (settings.linkMbps !== undefined) {
  execFileSync('sh', ['-c', `ip link set lo mtu 1500 && ${tbfCommand('lo', settings.linkMbps)}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  log(`every byte through a ${settings.linkMbps} Mbit/s link (tbf on lo, MTU 1500)`);
}

const server = await serve();
const receiver = await open(server.url);
const sender = await open(server.url);
const sides = { receiver, sender };
const segments = Math.max(1, Math.round((settings.mb * 1e6) / (settings.segmentKb * 1000)));
const mb = (segments * settings.segmentKb * 1000) / 1e6;
try {
  for (let round = 1; round <= settings.rounds; round++) {
    await phase('idle', round, sides, 1, () => sleep(settings.idleSeconds * 1000));
    await phase('http', round, sides, mb, () => receiver.page.evaluate((n) => window.bench.fetchSegments(n), segments));
    await phase('connect', round, sides, settings.connections, async () => {
      for (let i = 0; i < settings.connections; i++)
        await disconnect(sender, receiver, await connect(sender, receiver));
    });
    // Offers nobody answers, as bittorrent-tracker makes 5 at an announce: gathered, then closed.
    await phase('offer', round, sides, settings.connections, async () => {
      for (let i = 0; i < settings.connections; i++) {
        const offer = `o${nextId++}`;
        await sender.page.evaluate((o) => window.bench.offer(o), offer);
        await sender.page.evaluate((o) => window.bench.close(o), offer);
      }
    });
    const held: string[] = [];
    for (let i = 0; i < settings.connections; i++) held.push(await connect(sender, receiver));
    // Let the handshakes' last packets settle before the idle connections are measured.
    await sleep(1000);
    await phase('held', round, sides, settings.connections * settings.idleSeconds, () =>
      sleep(settings.idleSeconds * 1000),
    );
    // One connection carries the bytes and the messages: the others would add their idle upkeep to both.
    const [id, ...rest] = held as [string, ...string[]];
    for (const h of rest) await disconnect(sender, receiver, h);
    await phase('channel', round, sides, mb, () =>
      receiver.page.evaluate(([i, n]) => window.bench.pull(i, n), [id, segments] as const),
    );
    await phase('messages', round, sides, settings.messages, async () => {
      await receiver.page.evaluate((n) => window.bench.expect(n), settings.messages);
      await sender.page.evaluate(([i, n]) => window.bench.push(i, n), [id, settings.messages] as const);
      await receiver.page.evaluate(() => window.benchReached);
    });
    await disconnect(sender, receiver, id);
  }
} finally {
  await receiver.browser.close().catch(() => {});
  await sender.browser.close().catch(() => {});
  await server.close();
}
console.log(JSON.stringify({ segments, mb, readings }));

declare global {
  interface Window {
    bench: {
      offer(id: string): Promise<string>;
      answer(id: string, sdp: string): Promise<string>;
      accept(id: string, sdp: string): Promise<void>;
      opened(id: string): Promise<void>;
      close(id: string): void;
      fetchSegments(count: number): Promise<void>;
      pull(id: string, count: number): Promise<void>;
      expect(count: number): void;
      push(id: string, count: number): Promise<void>;
    };
    benchReached: Promise<void>;
  }
}
