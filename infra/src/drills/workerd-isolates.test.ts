import { describe, expect, it } from 'vitest';
import { isolateTargets } from './workerd-isolates';

describe('isolateTargets', () => {
  it("names every isolate workerd's inspector lists", () => {
    expect(
      isolateTargets([
        { id: 'core:user:edgeswarm', webSocketDebuggerUrl: 'ws://127.0.0.1:1/core:user:edgeswarm' },
        {
          id: 'cache:cache',
          webSocketDebuggerUrl: 'ws://127.0.0.1:1/cache:cache',
          title: 'workerd: worker cache:cache',
        },
        { id: 'no-socket' },
        'junk',
      ]),
    ).toEqual([
      { id: 'core:user:edgeswarm', url: 'ws://127.0.0.1:1/core:user:edgeswarm' },
      { id: 'cache:cache', url: 'ws://127.0.0.1:1/cache:cache' },
    ]);
  });

  it('is empty for anything but a list', () => {
    expect(isolateTargets({ error: 'x' })).toEqual([]);
    expect(isolateTargets(undefined)).toEqual([]);
  });
});
