/**
 * Inside the private network namespace nothing on the host's loopback is
 * reachable, but a Unix socket is (it lives in the file system, not the
 * network). This relay listens on the namespace's loopback and pipes every
 * TCP connection, unchanged, to the proxy's Unix socket outside.
 */
import { once } from 'node:events';
import net, { type Socket } from 'node:net';

export interface UnixRelayOptions {
  socketPath: string;
  host: string;
  /** 0: any free port. */
  port: number;
}

export const unixRelayDefaults: Omit<UnixRelayOptions, 'socketPath'> = { host: '127.0.0.1', port: 0 };

export interface UnixRelay {
  url: string;
  close(): Promise<void>;
}

export async function startUnixRelay(
  partial: Partial<UnixRelayOptions> & Pick<UnixRelayOptions, 'socketPath'>,
): Promise<UnixRelay> {
  const o = { ...unixRelayDefaults, ...partial };
  const open = new Set<Socket>();
  const server = net.createServer((client) => {
    const target = net.connect(o.socketPath);
    open.add(client);
    open.add(target);
    const closeBoth = () => {
      client.destroy();
      target.destroy();
      open.delete(client);
      open.delete(target);
    };
    client.on('error', closeBoth);
    target.on('error', closeBoth);
    client.on('close', closeBoth);
    target.on('close', closeBoth);
    client.pipe(target).pipe(client);
  });
  server.listen(o.port, o.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${o.host}:${port}`,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
