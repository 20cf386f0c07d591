import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError } from '../lib/errors';
import { readBounded } from './ingest';

function body(chunks: number[], end: 'close' | Error = 'close'): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[index++];
      if (size !== undefined) controller.enqueue(new Uint8Array(size).fill(index));
      else if (end === 'close') controller.close();
      else controller.error(end);
    },
  });
}

describe('readBounded', () => {
  it('reads a whole body, checked against its declared length', async () => {
    expect((await readBounded(body([3, 4]), 10)).byteLength).toBe(7);
    expect((await readBounded(body([3, 4]), 10, 7)).byteLength).toBe(7);
    expect((await readBounded(null, 10)).byteLength).toBe(0);
  });

  it('refuses a body that breaks off (the client stopped sending) with a 400 and a reason', async () => {
    const read = readBounded(body([512], new Error('Network connection lost.')), 4096, 4096);
    await expect(read).rejects.toBeInstanceOf(BadRequestError);
    await expect(readBounded(body([512], new Error('Network connection lost.')), 4096)).rejects.toThrow(
      'the request body broke off after 512 bytes (Network connection lost.); nothing was stored',
    );
  });

  it('refuses a body shorter or longer than its Content-Length', async () => {
    await expect(readBounded(body([512]), 4096, 4096)).rejects.toThrow(
      'the request body is 512 bytes, but Content-Length said 4096',
    );
    await expect(readBounded(body([512]), 4096, 100)).rejects.toThrow('Content-Length said 100');
  });

  it('refuses a body over the limit as soon as it proves larger', async () => {
    await expect(readBounded(body([6, 6]), 10)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
