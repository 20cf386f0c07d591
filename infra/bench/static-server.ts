/** The baseline: a plain Node static file server, one file, in its own process. Usage: static-server.ts <file> <port> */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';

const [file = '', port = '0'] = process.argv.slice(2);
const size = statSync(file).size;
const server = createServer((request, response) => {
  if (request.url !== '/segment.m4s') return response.writeHead(404).end();
  response.writeHead(200, {
    'Content-Type': 'video/iso.segment',
    'Content-Length': size,
    'Cache-Control': 'public, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(response);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
