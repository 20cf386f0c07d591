import { describe, expect, it } from 'vitest';
import type { HybridPlayerOptions } from '../hybrid/player';
import { CorruptingStorage, corruptCopy, installCorruptUploads } from './corrupt-uploads';

describe('test-only fault injection: corrupt uploads', () => {
  it('inverts one byte in every 1 KiB of a copy, leaving the original intact', () => {
    const original = new Uint8Array(2050).fill(7);
    const copy = new Uint8Array(corruptCopy(original.buffer));
    expect([copy[0], copy[1], copy[1024], copy[2048], copy[2049]]).toEqual([7 ^ 0xff, 7, 7 ^ 0xff, 7 ^ 0xff, 7]);
    expect(original.every((b) => b === 7)).toBe(true);
  });

  it('hands peers corrupt bytes and its own playback clean ones', async () => {
    const storage = new CorruptingStorage();
    const data = new Uint8Array(10).fill(1).buffer;
    await storage.storeSegment('swarm', 's', 3, data);
    expect(new Uint8Array((await storage.getSegmentData('swarm', 's', 3)) as ArrayBuffer)[0]).toBe(0xfe);
    storage.onSegmentRequested('swarm', 's', 3);
    expect(new Uint8Array((await storage.getSegmentData('swarm', 's', 3)) as ArrayBuffer)[0]).toBe(1);
  });

  it('reaches a player only through the configure event its page fires', () => {
    const target = new EventTarget();
    installCorruptUploads(target as unknown as Document);
    const options: HybridPlayerOptions = { src: '/m.m3u8', stream: 's' };
    target.dispatchEvent(new CustomEvent('hybrid-player-configure', { detail: options }));
    expect(options.segmentStorageFactory?.(true)).toBeInstanceOf(CorruptingStorage);
  });
});
