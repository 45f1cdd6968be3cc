import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP listener for a provider fake: the tests' (port 0 on loopback) or a simulator's. */
export async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const server = http.createServer(handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/** Closes a listener and its open connections; nothing to do when it never started. */
export async function close(server: Server | null): Promise<void> {
  if (!server?.listening) return;
  await new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}
