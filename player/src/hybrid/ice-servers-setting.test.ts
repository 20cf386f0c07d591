import { describe, expect, it } from 'vitest';
import { iceServersSettingLimits, parseIceServersSetting, stunUrlProblem } from './ice-servers-setting';

describe('parseIceServersSetting', () => {
  it.each([null, '', '   '])('%j keeps the default servers', (value) => {
    expect(parseIceServersSetting(value)).toEqual({ setting: { kind: 'default' } });
  });
  it.each(['none', ' NONE '])('%j is no server at all', (value) => {
    expect(parseIceServersSetting(value)).toEqual({ setting: { kind: 'servers', iceServers: [] } });
  });
  it('takes a list of STUN URLs, separated by spaces or commas, as one server entry', () => {
    expect(parseIceServersSetting('stun:10.77.0.1:3478')).toEqual({
      setting: { kind: 'servers', iceServers: [{ urls: ['stun:10.77.0.1:3478'] }] },
    });
    expect(parseIceServersSetting(' stun:stun.example.net,  stuns:[2001:db8::1]:5349 ')).toEqual({
      setting: { kind: 'servers', iceServers: [{ urls: ['stun:stun.example.net', 'stuns:[2001:db8::1]:5349'] }] },
    });
  });
  it('ignores the whole value, with a warning naming each problem, when any URL is wrong', () => {
    const parsed = parseIceServersSetting('stun:ok.example turn:relay.example:3478 http://x');
    expect(parsed.setting).toEqual({ kind: 'default' });
    expect(parsed.warning).toMatch(/default servers kept/);
    expect(parsed.warning).toMatch(/turn:relay\.example:3478: TURN needs credentials/);
    expect(parsed.warning).toMatch(/http:\/\/x: not a stun: or stuns: URL/);
    expect(parsed.warning).not.toMatch(/ok\.example/);
  });
  it('takes at most a few servers', () => {
    const many = Array.from({ length: iceServersSettingLimits.maxServers + 1 }, (_, i) => `stun:s${i}.example`);
    expect(parseIceServersSetting(many.slice(0, -1).join(' ')).setting.kind).toBe('servers');
    const parsed = parseIceServersSetting(many.join(' '));
    expect(parsed.setting).toEqual({ kind: 'default' });
    expect(parsed.warning).toMatch(/5 servers, at most 4/);
  });
});

describe('stunUrlProblem', () => {
  it.each([
    'stun:stun.cloudflare.com:3478',
    'stun:stun.cloudflare.com',
    'STUN:Stun.Example.NET:1',
    'stuns:10.0.0.1:65535',
    'stun:[::1]:3478',
    'stun:localhost',
  ])('takes %s', (url) => {
    expect(stunUrlProblem(url)).toBeUndefined();
  });
  it.each([
    ['stun:', /host\[:port\]/],
    ['stun:host:0', /port out of/],
    ['stun:host:65536', /port out of/],
    ['stun:host:', /host\[:port\]/],
    ['stun://host', /host\[:port\]/],
    ['stun:user@host', /host\[:port\]/],
    ['stun:host?transport=udp', /host\[:port\]/],
    ['stun:-bad.example', /host\[:port\]/],
    ['stun:[::1', /host\[:port\]/],
    ['stun:a..example', /host\[:port\]/],
    ['stun:host-.example:3478', /host\[:port\]/],
    ['turns:relay.example', /TURN needs credentials/],
    ['javascript:alert(1)', /not a stun/],
    ['relay.example:3478', /not a stun/],
  ])('refuses %s', (url, problem) => {
    expect(stunUrlProblem(url)).toMatch(problem);
  });
});
