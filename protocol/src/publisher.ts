/**
 * `GET /v1/streams/:stream/publisher`: what a publisher learns before it encodes anything. Whether its key
 * may publish (else the 401/403/503 an upload would get), and what the stream already holds, so `vod`
 * can refuse to overwrite a video unless told to replace it.
 */

/** What a stream holds: an uploaded video, or a live stream (running or ended). */
export type PublishedKind = 'vod' | 'live';

export interface PublisherCheck {
  ok: true;
  stream: string;
  /** `operator`: the key is PUBLISH_SECRET itself; `publisher`: the stream's own key. */
  role: 'operator' | 'publisher';
  /** Whether a viewer would find the stream: it has a multivariant playlist or a live marker. */
  published: boolean;
  /** Present when `published`. */
  kind?: PublishedKind;
}
