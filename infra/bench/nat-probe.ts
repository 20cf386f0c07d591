/**
 * bench:nat's mapping probe, run inside a viewer's namespace: one UDP socket
 * asks the STUN server on each given port what address it came from, and
 * prints the answers as JSON (null for none within a second).
 *
 * Usage: nat-probe.ts <host> <port> [<port>…]
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { decodeXorMappedAddress, stunBindingRequest, stunMagicCookie } from '../src/stun-server';

const [host, ...ports] = process.argv.slice(2);
if (!host || ports.length === 0) {
  process.stderr.write('usage: nat-probe.ts <host> <port> [<port>…]\n');
  process.exit(2);
}

const socket = createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, resolve));
const seen: ({ address: string; port: number } | null)[] = [];
for (const port of ports.map(Number)) {
  const request = Buffer.alloc(20);
  request.writeUInt16BE(stunBindingRequest, 0);
  request.writeUInt32BE(stunMagicCookie, 4);
  randomBytes(12).copy(request, 8);
  const answer = new Promise<{ address: string; port: number } | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 1000);
    socket.on('message', (message) => {
      if (!message.subarray(8, 20).equals(request.subarray(8, 20))) return;
      clearTimeout(timer);
      resolve(decodeXorMappedAddress(message));
    });
  });
  socket.send(request, port, host);
  seen.push(await answer);
  socket.removeAllListeners('message');
}
socket.close();
process.stdout.write(`${JSON.stringify(seen)}\n`);
