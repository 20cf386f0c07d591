import { describe, expect, it } from 'vitest';
import { namespaceScript, shellQuote } from './netns';

describe('netns', () => {
  it('quotes words for sh', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('a b')).toBe(`'a b'`);
  });

  it('sets up loopback and one veth address before running the command', () => {
    const script = namespaceScript(['node', 'x.js', '--n', '4']);
    expect(script).toMatch(
      /^ip link set lo up && .* && ip addr add 10\.77\.0\.1\/24 dev v0 && .* && exec 'node' 'x\.js' '--n' '4'$/,
    );
  });

  it('with a link per viewer: a bridge holds the gateway address, and named namespaces live in a private tmpfs', () => {
    const script = namespaceScript(['node', 'x.js'], 'bridge');
    expect(script).toContain('ip link add esbr0 type bridge && ip addr add 10.77.0.1/24 dev esbr0');
    expect(script).toContain('ip route add default dev esbr0');
    expect(script).toMatch(/mount -t tmpfs .* \/run\/netns && exec 'node' 'x\.js'$/);
    expect(script).not.toContain('veth');
  });
});
