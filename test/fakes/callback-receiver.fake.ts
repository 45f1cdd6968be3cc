import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tenant's callback endpoint: answers 200 and records every POST body (parsed JSON). */
export async function startCallbackReceiver(): Promise<{
  url: string;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const received: Record<string, unknown>[] = [];
  const server: Server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
