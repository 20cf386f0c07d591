/**
 * <hybrid-player> and the small JS API, from one script tag:
 *
 *   <script src="https://edge.example/player/hybrid-player.js"></script>
 *   <hybrid-player stream="concert" src="https://edge.example/v1/streams/concert/master.m3u8"></hybrid-player>
 *
 * Attributes: src, stream (required); p2p="off" (CDN only) or p2p="stock"
 * (stock p2p-media-loader, its defaults on our tracker: the incumbent, for
 * comparisons); tracker; region, asn, colo,
 * country (region shard override, local runs); ice-servers="none";
 * p2p-upload="on|off|consent" (consent: no upload until element.allowUpload());
 * ice-transport-policy="relay" (TURN only: give the servers in rtcConfig); token
 * (signed playback: sent as ?token= on every request the player makes);
 * upload-kbps (upload cap; "0" is consume-only); latency-target (in target
 * durations, default 4); overlay (show stats); beacon="off". Nothing else is
 * read: the edge's /watch and /embed pages pass on the same allowlist.
 * Options that only JavaScript can give (segmentStorageFactory, rtcConfig with
 * TURN credentials): listen for `hybrid-player-configure` on the document
 * before this script runs; its detail is the options object, to amend before
 * the player starts.
 * JS: Edgeswarm.createHybridPlayer(video, options) → { snapshot(), on(), destroy() }.
 */
import { overlayText } from '../hybrid/overlay';
import {
  canUseMse,
  canUseP2P,
  createHybridPlayer,
  type HybridPlayer,
  type HybridPlayerOptions,
} from '../hybrid/player';
import { parseUploadSetting } from '../hybrid/upload-permission';

const style = `
:host { display: block; position: relative; background: #000; }
video { display: block; width: 100%; height: 100%; aspect-ratio: 16 / 9; background: #000; }
.overlay { position: absolute; left: 8px; top: 8px; right: 8px; padding: 4px 8px; border-radius: 4px;
  font: 12px/1.5 ui-monospace, monospace; color: #dfe; background: rgba(0, 0, 0, 0.6); pointer-events: none; }
.overlay[hidden] { display: none; }
button { position: absolute; right: 8px; bottom: 48px; font: 11px system-ui; opacity: 0.7; }
`;

/** Fired on the element (bubbling to the document) with the options object, just before the player starts. */
export const configureEvent = 'hybrid-player-configure';

export class HybridPlayerElement extends HTMLElement {
  static observedAttributes = ['overlay'];
  player: HybridPlayer | null = null;
  private overlay: HTMLDivElement | null = null;

  connectedCallback(): void {
    if (this.player) return;
    const src = this.getAttribute('src');
    const stream = this.getAttribute('stream');
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${style}</style><video part="video" controls muted autoplay playsinline></video><div class="overlay" hidden></div><button type="button">stats</button>`;
    const video = root.querySelector('video') as HTMLVideoElement;
    this.overlay = root.querySelector('.overlay');
    root.querySelector('button')?.addEventListener('click', () => this.toggleAttribute('overlay'));
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
    if (this.getAttribute('ice-servers') === 'none') options.rtcConfig = { iceServers: [] };
    // Privacy: who may see this viewer's address, and whether it uploads at all.
    if (this.getAttribute('ice-transport-policy') === 'relay') options.iceTransportPolicy = 'relay';
    const uploadSetting = parseUploadSetting(this.getAttribute('p2p-upload'));
    if (uploadSetting.warning) console.warn(`hybrid-player: ${uploadSetting.warning}`);
    options.upload = uploadSetting.setting;
    // Upload cap in kbit/s (0: consume-only) and latency target in target durations; the policy clamps and warns.
    const policy: Record<string, number> = {};
    const upload = this.getAttribute('upload-kbps');
    if (upload !== null) policy.uploadKbps = Number(upload);
    const latency = this.getAttribute('latency-target');
    if (latency !== null) policy.latencyTargetDurations = Number(latency);
    options.policy = policy;
    // The embedding page's scripts (never its URL) may amend the options before the player starts.
    this.dispatchEvent(
      new CustomEvent<HybridPlayerOptions>(configureEvent, { detail: options, bubbles: true, composed: true }),
    );
    this.player = createHybridPlayer(video, options);
    this.player.on('stats', (snapshot) => {
      if (this.overlay && !this.overlay.hidden) this.overlay.textContent = overlayText(snapshot as never);
      this.dispatchEvent(new CustomEvent('stats', { detail: snapshot }));
    });
    this.player.on('error', (detail) => this.showOverlay(`playback failed: ${String(detail)}`));
    this.attributeChangedCallback();
  }

  /** The viewer consented to upload (p2p-upload="consent"); see HybridPlayer.allowUpload. */
  allowUpload(): void {
    this.player?.allowUpload();
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
