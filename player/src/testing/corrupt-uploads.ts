/**
 * Test-only fault injection, never part of a production bundle (build.mjs
 * bundles src/pages/ only): a viewer that corrupts every segment it uploads to
 * peers while its own playback reads clean bytes.
 *
 * The harnesses bundle this file into an init script (infra/src/cohort/
 * page-faults.ts) and add it to a page through the browser automation; it
 * hooks the element's documented `hybrid-player-configure` event to hand the
 * player a corrupting segment storage.
 */
import type { SegmentStorage } from 'p2p-media-loader-core';
import { configureEvent } from '../hybrid/configure-event';
import type { HybridPlayerOptions } from '../hybrid/player';

/** A segment storage that flips one byte every 1 KiB of what it hands to peers. */
export class CorruptingStorage implements SegmentStorage {
  private readonly segments = new Map<string, Map<number, ArrayBuffer>>();
  /** p2p-media-loader announces a local read with onSegmentRequested just before getSegmentData. */
  private readonly localReads = new Set<string>();
  private onChange: (streamId: string) => void = () => {};

  async initialize(): Promise<void> {}
  onPlaybackUpdated(): void {}
  onSegmentRequested(_swarm: string, streamId: string, segmentId: number): void {
    // Only a segment already stored is read back for our own playback; others arrive straight from the loader.
    if (this.segments.get(streamId)?.has(segmentId)) this.localReads.add(`${streamId}:${segmentId}`);
  }
  async storeSegment(_swarm: string, streamId: string, segmentId: number, data: ArrayBuffer): Promise<void> {
    const stream = this.segments.get(streamId) ?? new Map<number, ArrayBuffer>();
    this.segments.set(streamId, stream);
    stream.set(segmentId, data);
    for (const id of [...stream.keys()].sort((a, b) => a - b).slice(0, Math.max(0, stream.size - 30)))
      stream.delete(id);
    this.onChange(streamId);
  }
  async getSegmentData(_swarm: string, streamId: string, segmentId: number): Promise<ArrayBuffer | undefined> {
    const data = this.segments.get(streamId)?.get(segmentId);
    if (!data) return undefined;
    if (this.localReads.delete(`${streamId}:${segmentId}`)) return data; // our own playback stays intact
    return corruptCopy(data);
  }
  getUsage() {
    return { totalCapacity: 1e9, usedCapacity: 0 };
  }
  hasSegment(_swarm: string, streamId: string, segmentId: number): boolean {
    return this.segments.get(streamId)?.has(segmentId) ?? false;
  }
  getStoredSegmentIds(_swarm: string, streamId: string): number[] {
    return [...(this.segments.get(streamId)?.keys() ?? [])];
  }
  setSegmentChangeCallback(callback: (streamId: string) => void): void {
    this.onChange = callback;
  }
  destroy(): void {
    this.segments.clear();
  }
}

/** Pure: a copy of the bytes with one byte in every 1 KiB inverted. */
export function corruptCopy(data: ArrayBuffer): ArrayBuffer {
  const copy = new Uint8Array(data.slice(0));
  for (let i = 0; i < copy.length; i += 1024) copy[i] = (copy[i] ?? 0) ^ 0xff;
  return copy.buffer;
}

/** Runs in the page before the player script: every <hybrid-player> on it corrupts its uploads. */
export function installCorruptUploads(target: Pick<Document, 'addEventListener'> = document): void {
  target.addEventListener(configureEvent, (event) => {
    const options = (event as CustomEvent<HybridPlayerOptions>).detail;
    options.segmentStorageFactory = () => new CorruptingStorage();
  });
}
