import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server bound now and handed its app later, for a stack whose app must know its
 * own URL (the webhook URL a simulator or fake is given) before it can be built; it answers 503
 * until then.
 */
export async function listenFirst() {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = http.createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve(app: (req: IncomingMessage, res: ServerResponse) => void) {
      handler = app;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
