/**
 * bittorrent-tracker's own server, WebSocket only, as the baseline for
 * bench:tracker. Runs in its own process so that its CPU and memory are
 * measured apart from the load generator. Prints {"port": N} once listening.
 *
 *   node --import tsx infra/src/tracker-baseline-server.ts
 */
import { Server } from 'bittorrent-tracker';

// 150 s tells WebSocket clients 30 s (it divides by 5), the interval our tracker uses.
const server = new Server({ http: false, udp: false, ws: true, stats: false, interval: 150_000 });
server.on('warning', () => {}); // bad input from clients is expected under load; not a server failure
server.on('error', (error: Error) => {
  console.error('baseline tracker error:', error.message);
  process.exitCode = 1;
});
server.listen(0, '127.0.0.1', () => {
  const address = server.http?.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
