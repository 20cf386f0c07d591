/**
 * Faults among the viewers, on the swarm harness (swarm.ts) that the P2P
 * end-to-end tests use: a peer that corrupts everything it uploads, and a
 * serving peer (the first to join, everyone's first source) that closes its
 * page while others are taking segments from it.
 */
import { offloadPercent } from '../../cohort/records';
import { runSwarm } from '../../swarm';
import type { Drill } from '../types';

export const corruptPeer: Drill = {
  name: 'corrupt-peer',
  title: 'a corrupting peer',
  holds: 'no corrupt byte is ever appended; the peer is dropped; no stall',
  sampleSeconds: [2, 5],
  timeoutSeconds: [200, 400],
  async run(ctx) {
    const result = await runSwarm({
      viewers: 4,
      seconds: ctx.quick ? 20 : 90,
      // Joining 2 s apart, as the other drills' viewers do.
      staggerSeconds: 2,
      stream: 'drill-corrupt',
      corrupt: [0],
      log: ctx.log,
    });
    const [corrupter, ...honest] = result.viewers;
    const refused = honest.reduce((s, v) => s + v.integrityFailures, 0);
    ctx.figure('refused segments', refused);
    ctx.figure('refused kB', Math.round(honest.reduce((s, v) => s + v.rejectedP2pBytes, 0) / 1e3));
    ctx.figure(
      'stalls',
      honest.reduce((s, v) => s + v.stalls, 0),
    );
    ctx.figure('offload %', Number(offloadPercent(honest).toFixed(0)));
    ctx.check('bad segments were offered and refused', refused > 0, `${refused} refused by their hash`);
    const rejectedBytes = honest.reduce((s, v) => s + v.rejectedP2pBytes, 0);
    ctx.check(
      'the refused bytes are counted apart, never as offload',
      rejectedBytes > 0,
      `${Math.round(rejectedBytes / 1e3)} kB counted as refused`,
    );
    const played = honest.every((v) => v.errors.length === 0 && v.startupMs !== null);
    ctx.check(
      'honest viewers played without errors',
      played,
      honest.map((v) => `v${v.viewer + 1} ${v.errors.join('; ') || 'ok'}`).join(', '),
    );
    const kept = honest.filter((v) => v.integrityFailures > 0 && v.peersAtEnd.includes(corrupter?.peerId ?? ''));
    ctx.check('the corrupter is dropped', kept.length === 0, `${kept.length} of those it fed still connected to it`);
    const shared = honest.reduce((s, v) => s + v.p2pSegments, 0);
    ctx.check(
      'honest viewers keep sharing with each other',
      shared > 0,
      `${shared} segments from peers: ${honest.map((v) => `v${v.viewer + 1} ${v.p2pSegments}`).join(', ')}`,
    );
    ctx.check(
      'no stall',
      honest.every((v) => v.stalls === 0),
      honest.map((v) => `v${v.viewer + 1} ${v.stalls}`).join(', '),
    );
  },
};

export const peerLeaves: Drill = {
  name: 'peer-leaves',
  title: 'a serving peer closes mid-transfer',
  holds: 'no stall',
  sampleSeconds: [2, 5],
  timeoutSeconds: [200, 400],
  async run(ctx) {
    const result = await runSwarm({
      viewers: 4,
      seconds: ctx.quick ? 20 : 90,
      staggerSeconds: 2,
      stream: 'drill-leave',
      leave: { viewer: 0, afterSeconds: ctx.quick ? 8 : 30 },
      log: ctx.log,
    });
    const leaver = result.viewers[0];
    const stayed = result.viewers.filter((v) => !v.left);
    ctx.figure('uploaded by the leaver kB', Math.round((leaver?.uploadedBytes ?? 0) / 1e3));
    ctx.figure(
      'stalls',
      stayed.reduce((s, v) => s + v.stalls, 0),
    );
    ctx.figure('offload %', Number(offloadPercent(stayed).toFixed(0)));
    ctx.check(
      'the leaver was serving',
      (leaver?.uploadedBytes ?? 0) > 0 && leaver?.left === true,
      `uploaded ${Math.round((leaver?.uploadedBytes ?? 0) / 1e3)} kB before it left`,
    );
    ctx.check(
      'no stall',
      stayed.every((v) => v.stalls === 0 && v.errors.length === 0),
      stayed
        .map((v) => `v${v.viewer + 1} ${v.stalls} stalls${v.errors.length ? ` ${v.errors.join('; ')}` : ''}`)
        .join(', '),
    );
    ctx.check(
      'someone else fetches first now',
      stayed.some((v) => v.firstFetcherAtEnd),
      `${stayed.filter((v) => v.firstFetcherAtEnd).length} first fetchers at the end`,
    );
  },
};
