import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { ackRoutes } from './acks';
import { evolutionDialectRoutes } from './evolution-dialect.routes';
import { evolutionMessagesRoutes } from './evolution-messages.routes';
import { inboundRoutes } from './inbound.routes';
import { seedDialectRoutes } from './seed-dialect.routes';
import { SimulatorState, type SimulatorOptions } from './simulator-state';
import { wahaDialectRoutes } from './waha-dialect.routes';
import { wahaMessagesRoutes } from './waha-messages.routes';

export interface Faults {
  /** Added before every gateway answer. */
  latencyMs: number;
  /** Share of gateway requests answered with `errorStatus` (0..1). */
  errorRate: number;
  errorStatus: number;
  /** The next N gateway requests fail with `errorStatus` (deterministic, for tests). */
  failNext: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface GatewaySimulator {
  app: Express;
  state: SimulatorState;
  faults: Faults;
  /** Every gateway request received (not the /simulator control ones). */
  requests: RecordedRequest[];
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Refused connections: closes the listener (and open sockets) until `accept()`. */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A stand-in WhatsApp Web gateway for the local stack and the tests: the seed's contract, plus
 * enough of WAHA's and Evolution's session and send APIs for their adapters, with fault injection.
 * WAHA and Evolution sends are acknowledged in their webhook shapes (sent → delivered → read,
 * `ackDelayMs` apart; acks.ts). Control routes under /simulator: scan, logout (`?silent=1`: no
 * webhook, a logout only polling or the health sweep can notice), inbound (a message received, in
 * any gateway's webhook shape), acks (a sent message acknowledged now), faults, stats. Webhooks go
 * to the URL registered per session (seed `POST /api/v1/webhook`, WAHA/Evolution create body),
 * else to `webhookUrl`.
 */
export function createGatewaySimulator(options: SimulatorOptions): GatewaySimulator {
  const state = new SimulatorState({
    qrDelayMs: 300,
    qrRotateMs: 20_000,
    listAuth: 'token',
    ackDelayMs: 500,
    ...options,
  });
  const faults: Faults = { latencyMs: 0, errorRate: 0, errorStatus: 503, failNext: 0 };
  const requests: RecordedRequest[] = [];

  const injectFaults: RequestHandler = (req, res, next) => {
    requests.push({
      method: req.method,
      path: req.path,
      query: { ...req.query },
      headers: { ...req.headers },
      body: req.body,
    });
    const fail = faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate);
    if (faults.failNext > 0) faults.failNext -= 1;
    const answer = () =>
      fail
        ? res.status(faults.errorStatus).json({ status: 'error', message: 'Simulated gateway failure' })
        : next();
    if (faults.latencyMs > 0) setTimeout(answer, faults.latencyMs);
    else answer();
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '5mb' }));
  app.use(
    controlRoutes(
      state,
      faults,
      () => sim.refuse(),
      () => sim.accept(),
    ),
  );
  app.use(inboundRoutes(state));
  app.use(ackRoutes(state));
  app.use(injectFaults);
  app.use(seedDialectRoutes(state));
  app.use(wahaDialectRoutes(state));
  app.use(evolutionDialectRoutes(state));
  app.use(wahaMessagesRoutes(state));
  app.use(evolutionMessagesRoutes(state));
  app.use((req, res) =>
    res.status(404).json({ status: 'error', message: `No route for ${req.method} ${req.path}` }),
  );

  let server: Server | null = null;
  let bound: { port: number; host: string } | null = null;

  const open = (port: number, host: string) =>
    new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });

  const sim: GatewaySimulator = {
    app,
    state,
    faults,
    requests,
    async listen(port = 0, host = '127.0.0.1') {
      server = await open(port, host);
      const actual = (server.address() as AddressInfo).port;
      bound = { port: actual, host };
      return { port: actual, url: `http://${host}:${actual}` };
    },
    async refuse() {
      const s = server;
      server = null;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    async accept() {
      if (server || !bound) return;
      server = await open(bound.port, bound.host);
    },
    async close() {
      state.closeAll();
      await sim.refuse();
    },
  };
  return sim;
}

function controlRoutes(
  state: SimulatorState,
  faults: Faults,
  refuse: () => Promise<void>,
  accept: () => Promise<void>,
) {
  const r = express.Router();
  r.post('/simulator/sessions/:id/scan', (req, res) => {
    const s = state.scan(String(req.params.id));
    if (!s) return res.status(409).json({ status: 'error', message: 'Session is not showing a QR code' });
    res.json({ status: 'success', sessionId: s.id, state: s.status });
  });
  r.post('/simulator/sessions/:id/logout', (req, res) => {
    const s = state.logout(
      String(req.params.id),
      'logged_out',
      req.query.silent === '1' || req.query.silent === 'true',
    );
    if (!s) return res.status(404).json({ status: 'error', message: 'Session not found' });
    res.json({ status: 'success', sessionId: s.id, state: s.status });
  });
  r.post('/simulator/faults', (req, res) => {
    const b = (req.body ?? {}) as Partial<Faults> & { refuseForMs?: number };
    if (typeof b.latencyMs === 'number') faults.latencyMs = Math.max(0, b.latencyMs);
    if (typeof b.errorRate === 'number') faults.errorRate = Math.min(1, Math.max(0, b.errorRate));
    if (typeof b.errorStatus === 'number') faults.errorStatus = b.errorStatus;
    if (typeof b.failNext === 'number') faults.failNext = Math.max(0, b.failNext);
    res.json({ status: 'success', faults });
    if (typeof b.refuseForMs === 'number' && b.refuseForMs > 0) {
      // After the answer has left: close the listener, reopen it later.
      setTimeout(
        () => void refuse().then(() => setTimeout(() => void accept(), b.refuseForMs).unref()),
        20,
      ).unref();
    }
  });
  r.get('/simulator/stats', (_req, res) => {
    res.json({
      creates: state.creates,
      createsById: Object.fromEntries(state.createsById),
      sessions: [...state.sessions.values()].map((s) => ({
        sessionId: s.id,
        status: s.status,
        qrCount: s.qrCount,
      })),
      messages: state.messages.length,
      events: state.events.length,
    });
  });
  return r;
}
