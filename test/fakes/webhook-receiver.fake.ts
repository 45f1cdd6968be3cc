import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  /** Path and query, as requested. */
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/**
 * Our API's side of a simulator's webhooks, on loopback: records every request with its exact
 * bytes and headers, and answers what `answer` says (default 200 `{}`), so a test can refuse one.
 */
export async function startWebhookReceiver(
  answer: (w: ReceivedWebhook) => { status: number; body?: string } = () => ({ status: 200 }),
) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const w = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw };
      received.push(w);
      const a = answer(w);
      res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** Parsed JSON bodies of the POSTs to `path`. */
    json: (path: string) =>
      received
        .filter((w) => w.method === 'POST' && w.url.split('?')[0] === path)
        .map((w) => JSON.parse(w.raw) as Record<string, unknown>),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls until `read()` satisfies `ok` (no fixed sleeps); fails naming `what`. */
export async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
