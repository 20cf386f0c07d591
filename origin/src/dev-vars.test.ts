import { describe, expect, it } from 'vitest';
import { parseDevVars } from './dev-vars';

describe('parseDevVars', () => {
  it('reads keys, skips comments and strips quotes', () => {
    expect(parseDevVars('# local\nPUBLISH_SECRET="abc=def"\n  OTHER = x \nnot a line\n#X=1\nQ=\'q\'')).toEqual({
      PUBLISH_SECRET: 'abc=def',
      OTHER: 'x',
      Q: 'q',
    });
  });
});
