import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  decodeBindingRequest,
  decodeXorMappedAddress,
  encodeBindingSuccess,
  ipv4Bytes,
  startStunServer,
} from './stun-server';

const hex = (text: string) => Uint8Array.from(text.match(/[0-9a-f]{2}/gi) ?? [], (h) => Number.parseInt(h, 16));

// RFC 5769 §2.1: a Binding request as an ICE agent sends it (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
// MESSAGE-INTEGRITY, FINGERPRINT).
const rfc5769Request = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 76 65 63 74 6f 72
  00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const rfc5769TransactionId = hex('b7 e7 a7 01 bc 34 d6 86 fa 87 df ae');

describe('decodeBindingRequest', () => {
  it('takes the transaction id of RFC 5769’s request', () => {
    expect(decodeBindingRequest(rfc5769Request)).toEqual({ ok: true, transactionId: rfc5769TransactionId });
  });
  it('takes a bare request (no attributes), as a browser sends to a STUN server', () => {
    const bare = rfc5769Request.slice(0, 20);
    bare[3] = 0;
    expect(decodeBindingRequest(bare)).toEqual({ ok: true, transactionId: rfc5769TransactionId });
  });
  it.each([
    ['a short message', rfc5769Request.slice(0, 19), /shorter than a header/],
    ['no magic cookie (RFC 3489)', Uint8Array.from(rfc5769Request, (b, i) => (i === 4 ? 0 : b)), /magic cookie/],
    ['not STUN (RTP, DTLS)', Uint8Array.from(rfc5769Request, (b, i) => (i === 0 ? 0x80 : b)), /first two bits/],
    ['a truncated body', rfc5769Request.slice(0, 40), /header says 88 attribute bytes, 20 came/],
    ['an unpadded length', Uint8Array.from(rfc5769Request, (b, i) => (i === 3 ? 0x57 : b)), /multiple of 4/],
    ['a response', Uint8Array.from(rfc5769Request, (b, i) => (i === 0 ? 0x01 : i === 1 ? 0x01 : b)), /0x101/],
  ])('refuses %s', (_name, message, reason) => {
    const decoded = decodeBindingRequest(message);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });
});

describe('encodeBindingSuccess', () => {
  it('writes RFC 5769 §2.2’s XOR-MAPPED-ADDRESS for 192.0.2.1:32853', () => {
    const response = encodeBindingSuccess(rfc5769TransactionId, '192.0.2.1', 32853);
    expect(response.slice(0, 8)).toEqual(hex('01 01 00 0c 21 12 a4 42'));
    expect(response.slice(8, 20)).toEqual(rfc5769TransactionId);
    expect(response.slice(20)).toEqual(hex('00 20 00 08 00 01 a1 47 e1 12 a6 43'));
  });
  it.each([
    ['10.77.0.1', 3478],
    ['255.255.255.255', 65535],
    ['0.0.0.0', 0],
    ['192.168.7.2', 50123],
  ])('round-trips %s:%i', (address, port) => {
    expect(decodeXorMappedAddress(encodeBindingSuccess(rfc5769TransactionId, address, port))).toEqual({
      address,
      port,
    });
  });
  it('refuses a bad transaction id, port or address', () => {
    expect(() => encodeBindingSuccess(new Uint8Array(11), '10.0.0.1', 1)).toThrow(/12 bytes/);
    expect(() => encodeBindingSuccess(rfc5769TransactionId, '10.0.0.1', 65536)).toThrow(/port/);
    expect(() => encodeBindingSuccess(rfc5769TransactionId, '::1', 1)).toThrow(/IPv4/);
  });
});

describe('ipv4Bytes', () => {
  it.each(['1.2.3', '1.2.3.256', '1.2.3.x', '01.2.3.4.5', ''])('refuses %j', (address) => {
    expect(() => ipv4Bytes(address)).toThrow(/IPv4/);
  });
  it('reads dotted quads', () => expect(ipv4Bytes('10.77.0.12')).toEqual([10, 77, 0, 12]));
});

describe('decodeXorMappedAddress', () => {
  it('finds the attribute after others and ignores anything that is not a success response', () => {
    const success = encodeBindingSuccess(rfc5769TransactionId, '10.77.0.13', 40000);
    const withSoftware = new Uint8Array(success.length + 8);
    withSoftware.set(success.slice(0, 20));
    withSoftware.set(hex('80 22 00 03 61 62 63 00'), 20);
    withSoftware.set(success.slice(20), 28);
    withSoftware[3] = 20;
    expect(decodeXorMappedAddress(withSoftware)).toEqual({ address: '10.77.0.13', port: 40000 });
    expect(decodeXorMappedAddress(rfc5769Request)).toBeNull();
    expect(decodeXorMappedAddress(success.slice(0, 10))).toBeNull();
  });
});

describe('startStunServer', () => {
  it('tells a client on loopback the address and port it sent from, and drops what is not a request', async () => {
    const server = await startStunServer({ host: '127.0.0.1', port: 0 });
    const client = createSocket('udp4');
    try {
      expect(server.url).toBe(`stun:127.0.0.1:${server.port}`);
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
      const answer = new Promise<Buffer>((resolve) => client.once('message', resolve));
      client.send(Buffer.from('not stun at all, twenty-plus bytes'), server.port, '127.0.0.1');
      client.send(rfc5769Request, server.port, '127.0.0.1');
      const response = await answer;
      expect(response.subarray(8, 20)).toEqual(Buffer.from(rfc5769TransactionId));
      expect(decodeXorMappedAddress(response)).toEqual({ address: '127.0.0.1', port: client.address().port });
      expect(server.answered()).toBe(1);
    } finally {
      client.close();
      await server.close();
    }
  });
});
