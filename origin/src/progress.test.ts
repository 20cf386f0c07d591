import { describe, expect, it } from 'vitest';
import { createProgress, renderBar } from './progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progress', () => {
  it('renders a bar', () => {
    expect(renderBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(renderBar(2, 4)).toBe('[####] 100%');
  });

  it('redraws one line on a TTY', () => {
    const { writes, stream } = fakeStream(true);
    const progress = createProgress('encode', 10, stream);
    progress.update(5, '5 s');
    progress.finish('done');
    expect(writes[0]).toMatch(/^\rencode \[#+-+\] {2}50% 5 s/);
    expect(writes[1]?.endsWith('100% done\x1b[K\n')).toBe(true);
  });

  it('prints a line per quarter elsewhere', () => {
    const { writes, stream } = fakeStream(false);
    const progress = createProgress('upload', 100, stream);
    for (let i = 0; i <= 100; i += 5) progress.update(i);
    progress.finish();
    expect(writes).toEqual([
      'upload 0% \n',
      'upload 25% \n',
      'upload 50% \n',
      'upload 75% \n',
      expect.stringContaining('100%'),
    ]);
  });
});
