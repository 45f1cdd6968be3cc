import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface Canned {
  status: number;
  body?: unknown;
  /** Never answer (for timeout tests). */
  hang?: boolean;
}

/**
 * A loopback HTTP server that records every request and answers what the test scripted for
 * `METHOD /path` (exact path, query ignored); unscripted requests get 599 so a test notices them.
 */
export async function startRecordingGateway(): Promise<{
  url: string;
  requests: Recorded[];
  on(method: string, path: string, ...answers: Canned[]): void;
  reset(): void;
  close(): Promise<void>;
}> {
  const requests: Recorded[] = [];
  const scripts = new Map<string, Canned[]>();
  const app = express();
  app.use(express.json());
  app.use((req, res) => {
    requests.push({
      method: req.method,
      path: req.path,
      query: { ...req.query },
      headers: { ...req.headers },
      body: req.body,
    });
    const queue = scripts.get(`${req.method} ${req.path}`);
    const answer = queue && queue.length > 1 ? queue.shift() : queue?.[0];
    if (!answer) return res.status(599).json({ message: 'unscripted' });
    if (answer.hang) return;
    res.status(answer.status).json(answer.body ?? {});
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    on: (method, path, ...answers) => scripts.set(`${method} ${path}`, answers),
    reset: () => {
      requests.length = 0;
      scripts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
