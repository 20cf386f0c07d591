import { describe, expect, it } from 'vitest';
import {
  type CohortExplained,
  explainRun,
  formatExplained,
  formatTransport,
  type PhaseCost,
  predictTransport,
  type TransportCpu,
  type TransportPhaseReading,
  transportCosts,
  transportUnits,
  type ViewerWork,
  viewerWorkFrom,
} from './transport-stats';

const at = (rendererSeconds: number, totalSeconds: number, threads: Record<string, number> = {}): TransportCpu => ({
  rendererSeconds,
  totalSeconds,
  threads,
});

function reading(
  phase: TransportPhaseReading['phase'],
  round: number,
  wallSeconds: number,
  units: number,
  receiver: [TransportCpu, TransportCpu],
  sender: [TransportCpu, TransportCpu] = [at(0, 0), at(0, 0)],
): TransportPhaseReading {
  return {
    phase,
    round,
    wallSeconds,
    units,
    receiver: { before: receiver[0], after: receiver[1] },
    sender: { before: sender[0], after: sender[1] },
  };
}

describe('bench:transport: CPU per unit of work', () => {
  it("subtracts each round's idle rate over the phase's wall time, then divides by the units", () => {
    const costs = transportCosts([
      // Idle: the receiver's renderer 0.1 s and browser 0.2 s in 10 s (0.01 and 0.02 a second).
      reading('idle', 1, 10, 1, [at(1, 2, { main: 1 }), at(1.1, 2.2, { main: 1.05 })], [at(0, 0), at(0.05, 0.1)]),
      // 4 MB in 2 s: 0.5 s of renderer, less 0.02 idle, per MB; the sender 0.2 s less 0.01, per MB.
      reading(
        'channel',
        1,
        2,
        4,
        [at(1.1, 2.2, { main: 1.05, webrtc: 0 }), at(1.6, 3.2, { main: 1.16, webrtc: 0.3 })],
        [at(0.05, 0.1), at(0.25, 0.4)],
      ),
    ]);
    expect(costs).toHaveLength(1);
    const channel = costs[0] as PhaseCost;
    expect(channel.phase).toBe('channel');
    expect(channel.unit).toBe('MB');
    expect(channel.receiver.rendererSeconds).toBeCloseTo((0.5 - 0.02) / 4, 10);
    expect(channel.receiver.totalSeconds).toBeCloseTo((1 - 0.04) / 4, 10);
    expect(channel.receiver.threads.webrtc).toBeCloseTo(0.3 / 4, 10);
    expect(channel.receiver.threads.main).toBeCloseTo((0.11 - 0.01) / 4, 10);
    expect(channel.sender.rendererSeconds).toBeCloseTo((0.2 - 0.01) / 4, 10);
    expect(channel.sender.threads).toEqual({});
  });

  it('takes the median over rounds, counts messages per thousand and held connections per minute', () => {
    const costs = transportCosts([
      reading('messages', 1, 1, 2000, [at(0, 0), at(0.2, 0.3)]),
      reading('messages', 2, 1, 2000, [at(0, 0), at(0.4, 0.5)]),
      reading('messages', 3, 1, 2000, [at(0, 0), at(9, 9)]),
      // 10 connections held 30 s: 300 connection-seconds, 5 connection-minutes.
      reading('held', 1, 30, 300, [at(0, 0), at(0.5, 1)]),
    ]);
    const messages = costs.find((c) => c.phase === 'messages') as PhaseCost;
    expect(messages.rounds).toBe(3);
    expect(messages.unit).toBe('1 000 messages');
    expect(messages.receiver.rendererSeconds).toBeCloseTo(0.2, 10);
    const held = costs.find((c) => c.phase === 'held') as PhaseCost;
    expect(held.receiver.rendererSeconds).toBeCloseTo(0.1, 10);
    expect(held.unit).toBe('connection-minute');
  });

  it('leaves out phases with no work, and subtracts nothing in a round without an idle phase', () => {
    const costs = transportCosts([
      reading('idle', 2, 10, 1, [at(0, 0), at(1, 1)]),
      reading('http', 1, 1, 2, [at(0, 0), at(0.3, 0.6)]),
      reading('connect', 1, 1, 0, [at(0, 0), at(1, 1)]),
    ]);
    expect(costs.map((c) => c.phase)).toEqual(['http']);
    expect(costs[0]?.receiver.rendererSeconds).toBeCloseTo(0.15, 10);
  });
});

/** A phase's cost per unit, the same in every rendering (receiver's threads left out). */
const cost = (phase: PhaseCost['phase'], receiver: number, sender: number): PhaseCost => ({
  phase,
  unit: transportUnits[phase].unit,
  rounds: 1,
  receiver: { rendererSeconds: receiver, totalSeconds: receiver, threads: {} },
  sender: { rendererSeconds: sender, totalSeconds: sender, threads: {} },
});

describe('bench:transport: what the costs predict for a viewer', () => {
  const costs = [
    cost('http', 0.02, 0),
    cost('channel', 0.05, 0.04),
    cost('messages', 0.1, 0.06),
    cost('connect', 0.02, 0.01),
    cost('offer', 0, 0.005),
    cost('held', 0.004, 0.002),
  ];
  const work: ViewerWork = {
    label: 'a receiver',
    p2pMb: 4,
    uploadedMb: 1,
    messagesSent: 500,
    messagesReceived: 1000,
    connected: 10,
    unansweredOffers: 6,
    connectionMinutes: 14,
    cdnRendererSeconds: 8,
  };

  it('adds bytes beyond HTTP, upload, messages each way, both ends halved for connections made and held, and offers', () => {
    const p = predictTransport(costs, work);
    expect(p?.parts.bytes).toBeCloseTo(4 * 0.03, 10);
    expect(p?.parts.upload).toBeCloseTo(0.04, 10);
    expect(p?.parts.messages).toBeCloseTo((500 * 0.06 + 1000 * 0.1) / 1000, 10);
    expect(p?.parts.connections).toBeCloseTo((10 * 0.03) / 2, 10);
    expect(p?.parts.held).toBeCloseTo((14 * 0.006) / 2, 10);
    expect(p?.parts.offers).toBeCloseTo(6 * 0.005, 10);
    const sum = 0.12 + 0.04 + 0.13 + 0.15 + 0.042 + 0.03;
    expect(p?.rendererSeconds).toBeCloseTo(sum, 10);
    expect(p?.ratio).toBeCloseTo((8 + sum) / 8, 10);
  });

  it('predicts nothing without every phase', () => {
    expect(predictTransport(costs.slice(1), work)).toBeNull();
  });

  it('prints each phase, the data channel ÷ HTTP ratio and the prediction against the target', () => {
    const text = formatTransport(costs, predictTransport(costs, work), work);
    expect(text).toContain('channel (per MB)');
    expect(text).toContain('held (per connection-minute)');
    expect(text).toContain('data channel ÷ HTTP, receiver renderer per MB: 2.50×');
    expect(text).toMatch(
      /a receiver: transport alone adds 0\.51 s renderer CPU .* 1\.064× \(the target is < 1\.10×, 0\.80 s\)/,
    );
  });
});

describe("bench:transport: a compare run's renderer CPU, explained", () => {
  const costs = [
    cost('http', 0.05, 0),
    cost('channel', 0.05, 0.04),
    cost('messages', 0.04, 0.014),
    cost('connect', 0.015, 0.017),
    cost('offer', 0, 0.004),
    cost('held', 0.036, 0.036),
  ];
  const transport = {
    connections: 15,
    connected: 7,
    connectionSeconds: 770,
    sent: { announcement: 220, request: 55, chunk: 4 },
    received: { announcement: 260, data: 55, done: 55, chunk: 92 },
    bytesSent: 200_000,
    bytesReceived: 3_800_000,
  };

  it("takes a viewer's work from its counts: segment chunks are bytes, not messages", () => {
    expect(viewerWorkFrom({ viewer: 1, p2pBytes: 3_760_000, cpu: null, transport }, 7.5, 'hybrid')).toEqual({
      label: 'hybrid',
      p2pMb: 3.76,
      uploadedMb: 0.2,
      messagesSent: 275,
      messagesReceived: 370,
      connected: 7,
      unansweredOffers: 8,
      connectionMinutes: 770 / 60,
      cdnRendererSeconds: 7.5,
    });
    expect(viewerWorkFrom({ viewer: 1, p2pBytes: 0, cpu: null }, 7.5, 'hybrid')).toBeNull();
  });

  it("sets each P2P viewer against CDN-only's viewer in the same slot, and means them per cohort", () => {
    const explained = explainRun(costs, [
      {
        name: 'cdn',
        viewers: [
          { viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 8 } },
          { viewer: 1, p2pBytes: 0, cpu: { rendererSeconds: 7 } },
        ],
      },
      {
        name: 'hybrid',
        viewers: [
          { viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 9 }, transport },
          { viewer: 1, p2pBytes: 0, cpu: { rendererSeconds: 9 }, transport },
          // No counterpart in CDN-only: left out.
          { viewer: 2, p2pBytes: 0, cpu: { rendererSeconds: 20 }, transport },
        ],
      },
    ]);
    expect(Array.isArray(explained)).toBe(true);
    const [hybrid] = explained as CohortExplained[];
    expect(hybrid?.cohort).toBe('hybrid');
    expect(hybrid?.viewers).toBe(2);
    expect(hybrid?.measuredExtraSeconds).toBeCloseTo(1.5, 10);
    expect(hybrid?.cdnRendererSeconds).toBeCloseTo(7.5, 10);
    // 770 connection-seconds at 36 ms a connection-minute each end, halved: 0.462 s.
    expect(hybrid?.predicted.parts.held).toBeCloseTo((770 / 60) * 0.036, 10);
    expect(hybrid?.predicted.parts.connections).toBeCloseTo((7 * 0.032) / 2, 10);
    expect(hybrid?.predicted.parts.offers).toBeCloseTo(8 * 0.004, 10);
    expect(formatExplained(explained as CohortExplained[])).toMatch(
      /^hybrid \(2 viewers\): measured \+1\.50 s a viewer over CDN-only's 7\.50 s \(1\.200×\); transport predicts \+0\.\d\d s .*; the rest \+0\.\d\d s$/,
    );
  });

  it('signs a saving as a saving', () => {
    const explained = explainRun(costs, [
      { name: 'cdn', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 8 } }] },
      { name: 'p2pml', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 7.5 }, transport }] },
    ]);
    expect(formatExplained(explained as CohortExplained[])).toMatch(/^p2pml \(1 viewers\): measured -0\.50 s a viewer/);
  });

  it('says which phases costs from an older run lack, rather than blaming the run', () => {
    const run = [
      { name: 'cdn', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 8 } }] },
      { name: 'hybrid', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 9 }, transport }] },
    ];
    expect(
      explainRun(
        costs.filter((c) => c.phase !== 'offer'),
        run,
      ),
    ).toBe('the costs have no offer phase: measure them again with this version');
  });

  it('says why it cannot explain a run', () => {
    expect(explainRun(costs, [{ name: 'hybrid', viewers: [] }])).toBe(
      'the run has no CDN-only cohort to measure against',
    );
    expect(
      explainRun(costs, [
        { name: 'cdn', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 8 } }] },
        { name: 'hybrid', viewers: [{ viewer: 0, p2pBytes: 0, cpu: { rendererSeconds: 9 } }] },
      ]),
    ).toMatch(/^no viewer of a P2P cohort has a transport count/);
  });
});
