/**
 * Incentives: an upload budget per viewer, and tit-for-tat. Peers that upload
 * to us keep being served when the budget is contended; the newest peers get
 * an optimistic slot so a newcomer can start giving back; a free-rider gets
 * whatever is left, and its own deadlines are still met by the edge.
 */
import type { PolicyOptions } from './options';

export interface PeerLedger {
  id: string;
  /** Bytes this peer sent us. */
  received: number;
  /** Bytes we sent this peer. */
  sent: number;
  /** When we connected, seconds. */
  connectedAt: number;
}

export interface UploadRanking {
  /** Peers to keep serving, best first. */
  served: string[];
  /** Peers to choke while the budget is contended. */
  choked: string[];
}

/**
 * Order: peers that gave us the most first; ties broken by who we owe most
 * (received − sent), then id. The newest peers within the optimistic window
 * take the optimistic slots whatever they gave.
 */
export function rankUploadTargets(peers: readonly PeerLedger[], now: number, options: PolicyOptions): UploadRanking {
  const byContribution = [...peers].sort(
    (a, b) => b.received - a.received || b.received - b.sent - (a.received - a.sent) || (a.id < b.id ? -1 : 1),
  );
  const optimistic = [...peers]
    .filter((p) => now - p.connectedAt <= options.optimisticSeconds)
    .sort((a, b) => b.connectedAt - a.connectedAt || (a.id < b.id ? -1 : 1))
    .slice(0, options.optimisticSlots)
    .map((p) => p.id);
  const regular = byContribution
    .filter((p) => !optimistic.includes(p.id) && p.received > 0)
    .slice(0, Math.max(0, options.uploadSlots - optimistic.length))
    .map((p) => p.id);
  const served = [...regular, ...optimistic];
  return { served, choked: peers.map((p) => p.id).filter((id) => !served.includes(id)) };
}

export interface UploadBudget {
  /** Bytes that may still be sent now. */
  tokens: number;
  /** When tokens were last refilled, seconds. */
  at: number;
}

/**
 * The budget's rate, bytes/s: `uploadShare` of the measured uplink (bytes/s, 0 while unmeasured), and never more than
 * the cap (`uploadKbps`), which alone rules until the uplink is known. A fixed rate is wrong both ways: above a 1
 * Mbit/s DSL uplink it never holds anything back, and 8 Mbit/s, the old default, held a 1280x720 fibre first fetcher
 * to 2.7 of its 3 receivers (BENCHMARKS.md, #17).
 */
export function uploadRateBps(uplinkBps: number, options: Pick<PolicyOptions, 'uploadKbps' | 'uploadShare'>): number {
  const cap = (options.uploadKbps * 1000) / 8;
  return uplinkBps > 0 ? Math.min(cap, options.uploadShare * uplinkBps) : cap;
}

export function newUploadBudget(now: number, rateBps: number, options: PolicyOptions): UploadBudget {
  return { tokens: rateBps * options.uploadBurstSeconds, at: now };
}

/** Refills at the rate and spends what was uploaded since; negative tokens mean we overshot and must rest. */
export function spendUpload(
  budget: UploadBudget,
  bytes: number,
  now: number,
  rateBps: number,
  options: PolicyOptions,
): UploadBudget {
  const refill = rateBps * Math.max(0, now - budget.at);
  return { tokens: Math.min(rateBps * options.uploadBurstSeconds, budget.tokens + refill) - bytes, at: now };
}

/** Upload is open while there are tokens; consume-only (cap 0) never uploads. */
export function uploadOpen(budget: UploadBudget, now: number, rateBps: number, options: PolicyOptions): boolean {
  if (options.uploadKbps <= 0) return false;
  return spendUpload(budget, 0, now, rateBps, options).tokens > 0;
}

/** The budget is contended when less than a quarter of the burst is left: time to prefer reciprocating peers. */
export function budgetContended(budget: UploadBudget, now: number, rateBps: number, options: PolicyOptions): boolean {
  return spendUpload(budget, 0, now, rateBps, options).tokens < (rateBps * options.uploadBurstSeconds) / 4;
}
