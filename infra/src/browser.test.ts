import { describe, expect, it } from 'vitest';
import { secureAliasFor, secureAliasHost } from './browser';

describe('secureAliasFor', () => {
  it('names a page base on a bridge address under .localhost, keeping its port and path', () => {
    expect(secureAliasFor('http://10.77.0.1:36539')).toEqual({
      host: secureAliasHost,
      address: '10.77.0.1',
      pageBase: 'http://edge.localhost:36539',
    });
    expect(secureAliasFor('http://10.77.0.1:8080/base')?.pageBase).toBe('http://edge.localhost:8080/base');
    expect(secureAliasFor('http://192.168.1.5')?.pageBase).toBe('http://edge.localhost');
  });

  it('leaves a page base that is a secure context already', () => {
    for (const base of [
      'https://10.77.0.1:8443',
      'http://127.0.0.1:8787',
      'http://127.3.0.2:1',
      'http://localhost:8787',
      'http://edge.localhost:8787',
      'http://[::1]:8787',
    ])
      expect(secureAliasFor(base), base).toBeUndefined();
  });
});
