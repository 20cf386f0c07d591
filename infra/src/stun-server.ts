/**
 * A STUN server for the harnesses' private networks (RFC 5389 Binding only):
 * a Binding request gets a Binding success response carrying the address and
 * port it came from (XOR-MAPPED-ADDRESS). That is all a browser needs to
 * gather server-reflexive candidates, so viewers behind a NAT in a namespace
 * (viewer-nat.ts) learn their mapped address without any traffic leaving the
 * machine. It binds to the address it is given (the harness's bridge,
 * 10.77.0.1, or 127.0.0.1), IPv4 only.
 *
 * Not a general STUN server: no authentication, no FINGERPRINT, no error
 * responses (anything that is not a well-formed Binding request, including
 * RFC 3489 requests without the magic cookie, is dropped), no TURN.
 */
import { createSocket } from 'node:dgram';

export const stunMagicCookie = 0x2112a442;
export const stunBindingRequest = 0x0001;
export const stunBindingSuccess = 0x0101;
export const stunXorMappedAddress = 0x0020;
const headerBytes = 20;

export type StunDecoded = { ok: true; transactionId: Uint8Array } | { ok: false; reason: string };

/** Pure: the transaction id of a well-formed Binding request, or why it is not one. */
export function decodeBindingRequest(message: Uint8Array): StunDecoded {
  if (message.length < headerBytes) return { ok: false, reason: `${message.length} bytes: shorter than a header` };
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint16(2);
  if ((message[0] ?? 0) & 0xc0) return { ok: false, reason: 'the first two bits are not zero: not STUN' };
  if (view.getUint32(4) !== stunMagicCookie) return { ok: false, reason: 'no magic cookie (RFC 3489 or not STUN)' };
  if (length % 4 !== 0) return { ok: false, reason: `attribute length ${length} is not a multiple of 4` };
  if (length !== message.length - headerBytes) {
    return { ok: false, reason: `header says ${length} attribute bytes, ${message.length - headerBytes} came` };
  }
  if (type !== stunBindingRequest) return { ok: false, reason: `type 0x${type.toString(16)} is not a Binding request` };
  return { ok: true, transactionId: message.slice(8, 20) };
}

/** Pure: dotted IPv4 text to its four bytes; throws on anything else. */
export function ipv4Bytes(address: string): number[] {
  const parts = address.split('.');
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255)))
    throw new RangeError(`not an IPv4 address: ${address}`);
  return bytes;
}

/** Pure: the Binding success response to `transactionId`, telling the client it came from `address`:`port`. */
export function encodeBindingSuccess(transactionId: Uint8Array, address: string, port: number): Uint8Array {
  if (transactionId.length !== 12) throw new RangeError(`a transaction id is 12 bytes, not ${transactionId.length}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} out of 0–65535`);
  const ip = ipv4Bytes(address);
  const out = new Uint8Array(headerBytes + 12);
  const view = new DataView(out.buffer);
  view.setUint16(0, stunBindingSuccess);
  view.setUint16(2, 12);
  view.setUint32(4, stunMagicCookie);
  out.set(transactionId, 8);
  // XOR-MAPPED-ADDRESS: type, length 8, reserved, family IPv4, port ^ cookie's top half, address ^ cookie.
  view.setUint16(20, stunXorMappedAddress);
  view.setUint16(22, 8);
  view.setUint8(24, 0);
  view.setUint8(25, 0x01);
  view.setUint16(26, port ^ (stunMagicCookie >>> 16));
  const ipNumber = (((ip[0] ?? 0) << 24) | ((ip[1] ?? 0) << 16) | ((ip[2] ?? 0) << 8) | (ip[3] ?? 0)) >>> 0;
  view.setUint32(28, (ipNumber ^ stunMagicCookie) >>> 0);
  return out;
}

/** Pure: the mapped address a Binding success response carries (the client's side, for tests and checks). */
export function decodeXorMappedAddress(response: Uint8Array): { address: string; port: number } | null {
  if (response.length < headerBytes) return null;
  const view = new DataView(response.buffer, response.byteOffset, response.byteLength);
  if (view.getUint16(0) !== stunBindingSuccess || view.getUint32(4) !== stunMagicCookie) return null;
  const end = headerBytes + view.getUint16(2);
  for (let at = headerBytes; at + 4 <= end && end <= response.length; ) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (type === stunXorMappedAddress && length === 8 && view.getUint8(at + 5) === 0x01) {
      const port = view.getUint16(at + 6) ^ (stunMagicCookie >>> 16);
      const ip = (view.getUint32(at + 8) ^ stunMagicCookie) >>> 0;
      return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port };
    }
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return null;
}

export interface StunServer {
  /** e.g. `stun:10.77.0.1:3478`, for RTCIceServer.urls or the player's `ice-servers` attribute. */
  url: string;
  host: string;
  port: number;
  /** Binding requests answered so far. */
  answered(): number;
  close(): Promise<void>;
}

export const stunServerDefaults = { port: 3478 };

/** Listens on `host`:`port` (0: any free port) and answers Binding requests. */
export function startStunServer(options: { host: string; port?: number }): Promise<StunServer> {
  const socket = createSocket('udp4');
  let answered = 0;
  socket.on('message', (message, from) => {
    const decoded = decodeBindingRequest(message);
    if (!decoded.ok || from.family !== 'IPv4') return;
    socket.send(encodeBindingSuccess(decoded.transactionId, from.address, from.port), from.port, from.address);
    answered++;
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? stunServerDefaults.port, options.host, () => {
      socket.off('error', reject);
      const { port } = socket.address();
      resolve({
        url: `stun:${options.host}:${port}`,
        host: options.host,
        port,
        answered: () => answered,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
