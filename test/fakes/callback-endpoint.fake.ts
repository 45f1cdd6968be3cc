import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tenant's callback endpoint on loopback whose behaviour a test chooses per request (answer,
 * redirect, huge body, drip-fed body, silence), recording what reached it and how many requests
 * were open at once.
 */
export async function startCallbackEndpoint(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const received: { host: string | undefined; body: string }[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => (open -= 1));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ host: req.headers.host, body });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/cb`,
    received,
    open: () => open,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type CallbackEndpoint = Awaited<ReturnType<typeof startCallbackEndpoint>>;
