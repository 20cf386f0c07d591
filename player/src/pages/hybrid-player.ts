/**
 * <hybrid-player> and the small JS API, from one script tag:
 *
 *   <script src="https://edge.example/player/hybrid-player.js"></script>
 *   <hybrid-player stream="concert" src="https://edge.example/v1/streams/concert/master.m3u8"></hybrid-player>
 *
 * Attributes: src, stream (required); p2p="off" (CDN only) or p2p="stock"
 * (stock p2p-media-loader, its defaults on our tracker: the incumbent, for
 * comparisons); tracker; region, asn, colo,
 * country (region shard override, local runs); ice-servers ("none": no STUN,
 * host candidates only; or a list of stun:/stuns: URLs instead of the default;
 * TURN only from JavaScript);
 * p2p-upload="on|off|consent" (consent: no upload until element.allowUpload());
 * ice-transport-policy="relay" (TURN only: give the servers in rtcConfig); token
 * (signed playback: sent as ?token= on every request the player makes);
 * upload-kbps (upload cap; "0" is consume-only); latency-target (in target
 * durations, default 4.5; "low": LL-HLS from the edge, P2P only with slack: VOD, behind
 * live); overlay (show the stats line; the top-right corner,
 * which shows the latency on a live stream, toggles it); beacon="off". Nothing else is
 * read: the edge's /watch and /embed pages pass on the same allowlist.
 * Options that only JavaScript can give (segmentStorageFactory, rtcConfig with
 * TURN credentials): listen for `hybrid-player-configure` on the document
 * before this script runs; its detail is the options object, to amend before
 * the player starts.
 * A live stream gets a LIVE badge (top left; a click goes back to live, as element.goToLive() does).
 * JS: Edgeswarm.createHybridPlayer(video, options) → { snapshot(), on(), goToLive(), destroy() }.
 */
import { configureEvent } from '../hybrid/configure-event';
import { parseIceServersSetting } from '../hybrid/ice-servers-setting';
import { parseLatencySetting } from '../hybrid/latency-setting';
import { liveIndicator } from '../hybrid/live-indicator';
import { overlayText } from '../hybrid/overlay';
import {
  canUseMse,
  canUseP2P,
  createHybridPlayer,
  type HybridPlayer,
  type HybridPlayerOptions,
} from '../hybrid/player';
import { parseUploadSetting } from '../hybrid/upload-permission';

/**
 * The LIVE badge and the latency sit in the top corners, clear of the native controls along the bottom (the stats
 * toggle used to sit on their ⋮ menu); the stats line opens below them. A live stream's native time display
 * (`0:29 / 0:32`, a VOD-like count of the buffered window) is hidden where the browser lets CSS reach it.
 */
const style = `
:host { display: block; position: relative; background: #000; }
video { display: block; width: 100%; height: 100%; aspect-ratio: 16 / 9; background: #000; }
.corner { position: absolute; top: 8px; font: 600 12px/20px system-ui, sans-serif; height: 22px; padding: 0 8px;
  border: 0; border-radius: 4px; color: #fff; background: rgba(0, 0, 0, 0.6); cursor: pointer; }
.corner[hidden] { display: none; }
.live { left: 8px; letter-spacing: 0.06em; }
.live::before { content: ''; display: inline-block; width: 8px; height: 8px; margin-right: 6px; border-radius: 50%;
  background: #888; vertical-align: 0; }
.live.at-live { background: #c0161d; cursor: default; }
.live.at-live::before { background: #fff; }
.latency { right: 8px; font: 12px/20px ui-monospace, monospace; }
.overlay { position: absolute; left: 8px; top: 38px; right: 8px; padding: 4px 8px; border-radius: 4px;
  font: 12px/1.5 ui-monospace, monospace; color: #dfe; background: rgba(0, 0, 0, 0.6); pointer-events: none; }
.overlay[hidden] { display: none; }
:host([data-live]) video::-webkit-media-controls-current-time-display,
:host([data-live]) video::-webkit-media-controls-time-remaining-display { display: none; }
`;

export class HybridPlayerElement extends HTMLElement {
  static observedAttributes = ['overlay'];
  player: HybridPlayer | null = null;
  private overlay: HTMLDivElement | null = null;
  private liveBadge: HTMLButtonElement | null = null;
  private latencyCorner: HTMLButtonElement | null = null;

  connectedCallback(): void {
    if (this.player) return;
    const src = this.getAttribute('src');
    const stream = this.getAttribute('stream');
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${style}</style><video part="video" controls muted autoplay playsinline></video><button type="button" class="corner live" part="live-badge" hidden>LIVE</button><button type="button" class="corner latency" part="latency" title="Show stats">stats</button><div class="overlay" hidden></div>`;
    const video = root.querySelector('video') as HTMLVideoElement;
    this.overlay = root.querySelector('.overlay');
    this.liveBadge = root.querySelector('.live');
    this.latencyCorner = root.querySelector('.latency');
    this.latencyCorner?.addEventListener('click', () => this.toggleAttribute('overlay'));
    this.liveBadge?.addEventListener('click', () => this.goToLive());
    if (!src || !stream) {
      this.showOverlay('hybrid-player needs src and stream attributes');
      return;
    }
    const region = Object.fromEntries(
      ['region', 'asn', 'colo', 'country'].flatMap((k) => {
        const v = this.getAttribute(k);
        return v ? [[k, v]] : [];
      }),
    );
    const p2p = this.getAttribute('p2p');
    const options: HybridPlayerOptions = { src, stream, p2p: p2p === 'stock' ? 'stock' : p2p !== 'off', region };
    const tracker = this.getAttribute('tracker');
    if (tracker) options.tracker = tracker;
    const token = this.getAttribute('token');
    if (token) options.token = token;
    if (this.getAttribute('beacon') === 'off') options.beacon = false;
    const iceServers = parseIceServersSetting(this.getAttribute('ice-servers'));
    if (iceServers.warning) console.warn(`hybrid-player: ${iceServers.warning}`);
    if (iceServers.setting.kind === 'servers') options.rtcConfig = { iceServers: iceServers.setting.iceServers };
    // Privacy: who may see this viewer's address, and whether it uploads at all.
    if (this.getAttribute('ice-transport-policy') === 'relay') options.iceTransportPolicy = 'relay';
    const uploadSetting = parseUploadSetting(this.getAttribute('p2p-upload'));
    if (uploadSetting.warning) console.warn(`hybrid-player: ${uploadSetting.warning}`);
    options.upload = uploadSetting.setting;
    // Upload cap in kbit/s (0: consume-only) and latency target in target durations; the policy clamps and warns.
    const policy: Record<string, number> = {};
    const upload = this.getAttribute('upload-kbps');
    if (upload !== null) policy.uploadKbps = Number(upload);
    const latency = parseLatencySetting(this.getAttribute('latency-target'));
    if (latency.kind === 'target') policy.latencyTargetDurations = latency.targetDurations;
    if (latency.kind === 'low') options.latency = 'low';
    options.policy = policy;
    // The embedding page's scripts (never its URL) may amend the options before the player starts.
    this.dispatchEvent(
      new CustomEvent<HybridPlayerOptions>(configureEvent, { detail: options, bubbles: true, composed: true }),
    );
    this.player = createHybridPlayer(video, options);
    this.player.on('stats', (snapshot) => {
      if (this.overlay && !this.overlay.hidden) this.overlay.textContent = overlayText(snapshot as never);
      this.showLive();
      this.dispatchEvent(new CustomEvent('stats', { detail: snapshot }));
    });
    this.player.on('error', (detail) => this.showOverlay(`playback failed: ${String(detail)}`));
    this.attributeChangedCallback();
  }

  /** The viewer consented to upload (p2p-upload="consent"); see HybridPlayer.allowUpload. */
  allowUpload(): void {
    this.player?.allowUpload();
  }

  /** Seek to the live edge and play (the LIVE badge does this when clicked while behind). */
  goToLive(): void {
    this.player?.goToLive();
    this.showLive();
  }

  /** The LIVE badge and the latency corner, from the player's snapshot (live-indicator.ts decides what they say). */
  private showLive(): void {
    const snapshot = this.player?.snapshot();
    const video = this.shadowRoot?.querySelector('video');
    if (!snapshot || !video || !this.liveBadge || !this.latencyCorner) return;
    const shown = liveIndicator({
      ...snapshot.liveEdge,
      paused: video.paused,
      ...(snapshot.latencySeconds === undefined ? {} : { latencySeconds: snapshot.latencySeconds }),
    });
    this.toggleAttribute('data-live', shown.badge !== 'none');
    this.liveBadge.hidden = shown.badge === 'none';
    this.liveBadge.classList.toggle('at-live', shown.badge === 'at-live');
    this.liveBadge.title = shown.badgeTitle;
    this.liveBadge.setAttribute('aria-label', shown.badgeTitle || 'Live');
    this.latencyCorner.textContent = shown.cornerText;
  }

  attributeChangedCallback(): void {
    if (this.overlay) this.overlay.hidden = !this.hasAttribute('overlay');
  }

  disconnectedCallback(): void {
    this.player?.destroy();
    this.player = null;
  }

  private showOverlay(text: string): void {
    if (!this.overlay) return;
    this.overlay.hidden = false;
    this.overlay.textContent = text;
  }
}

if (!customElements.get('hybrid-player')) customElements.define('hybrid-player', HybridPlayerElement);

const api = { createHybridPlayer, canUseMse, canUseP2P, HybridPlayerElement };
(window as unknown as { Edgeswarm: typeof api }).Edgeswarm = api;

// The page's first player is also reachable for scripts and tests as window.edgeswarm.
const first = document.querySelector('hybrid-player') as HybridPlayerElement | null;
if (first) {
  window.edgeswarm = {
    get player() {
      return first.player;
    },
    get stats() {
      return first.player?.snapshot().playback ?? (null as never);
    },
  };
}
