import type { Server } from 'node:http';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
  type Router,
} from 'express';
import { z } from 'zod';
import type { Deliveries, DeliveryStep } from './deliveries';
import { close, listen } from './http-listener';

/**
 * What the three official-platform simulators share: one port serving the provider's API (its
 * fakes' handlers, answering exactly as the provider does) and a small control API under `/_sim`
 * (JSON, errors `{error:{message}}`), the timing of the statuses that follow an accepted message,
 * and the customer-service window inbound messages open.
 */
export interface OfficialSimulator {
  app: Express;
  /** Its webhook POSTs to our API (statuses, inbound messages) and their outcomes. */
  deliveries: Deliveries;
  /** Calls `fn` after each answered request (the state file is saved from here). */
  onRequestDone(fn: () => void): void;
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  /** What survives a restart of the stack (numbers, tokens, keys, senders), as JSON. */
  exportState(): unknown;
  importState(state: unknown): void;
}

/** Delay before each status, after the previous one (the first after the provider's answer). */
export interface StatusTiming {
  sent: number;
  delivered: number;
  read: number;
}

export const DEFAULT_TIMING: StatusTiming = { sent: 500, delivered: 1_500, read: 3_000 };

export const timingBody = z.strictObject({
  sent: z.number().int().min(0).max(600_000).optional(),
  delivered: z.number().int().min(0).max(600_000).optional(),
  read: z.number().int().min(0).max(600_000).optional(),
});

/** One delivery step per status, each after its delay (`failed`/`undelivered` after `sent`'s). */
export function statusSteps<S extends string>(
  statuses: readonly S[],
  timing: StatusTiming,
  post: (status: S) => Promise<number>,
): DeliveryStep[] {
  return statuses.map((status) => ({
    label: `status:${status}`,
    afterMs: status === 'delivered' ? timing.delivered : status === 'read' ? timing.read : timing.sent,
    post: () => post(status),
  }));
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The control body parsed by `schema`, or a 400 naming the fields. */
export function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw new ControlError(
    400,
    r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  );
}

/** An async control handler whose errors reach the error middleware. */
export const handler =
  (fn: (req: Request, res: Response) => Promise<unknown> | unknown) => (req: Request, res: Response) =>
    Promise.resolve(fn(req, res));

const controlErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = err instanceof ControlError ? err.status : 500;
  res.status(status).json({ error: { message: err instanceof Error ? err.message : String(err) } });
};

/**
 * The simulator's app: `/_sim` is the control API, everything else the provider's API as its fake
 * serves it (the body left unread for the fake).
 */
export function simulatorApp(
  control: Router,
  serve: (req: Request, res: Response) => Promise<void> | void,
): { app: Express; onRequestDone(fn: () => void): void } {
  const done: (() => void)[] = [];
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.on('finish', () => done.forEach((fn) => fn()));
    next();
  });
  app.use('/_sim', express.json({ limit: '1mb' }), control, (req: Request, res: Response) => {
    res.status(404).json({ error: { message: `No control route ${req.method} ${req.originalUrl}` } });
  });
  app.use((req, res) => void serve(req, res));
  app.use(controlErrors);
  return { app, onRequestDone: (fn) => void done.push(fn) };
}

/** listen/close for a simulator's app, closing `more` (its deliveries, its fakes) after the listener. */
export function lifecycle(app: Express, more: () => Promise<void>) {
  let server: Server | null = null;
  return {
    async listen(port = 0, host = '127.0.0.1') {
      const l = await listen(app, port, host);
      server = l.server;
      return { url: l.url };
    },
    async close() {
      await close(server);
      await more();
    },
  };
}

/** When each user last wrote to each number: the 24-hour customer-service window (reference A4). */
export class CustomerWindows {
  static readonly LENGTH_MS = 24 * 3_600_000;
  private readonly last = new Map<string, number>();

  opened(number: string, user: string, at = Date.now()): void {
    this.last.set(this.key(number, user), at);
  }

  isOpen(number: string, user: string, now = Date.now()): boolean {
    const at = this.last.get(this.key(number, user));
    return at !== undefined && now - at < CustomerWindows.LENGTH_MS;
  }

  export(): [string, number][] {
    return [...this.last];
  }

  import(entries: [string, number][] = []): void {
    for (const [k, at] of entries) this.last.set(k, at);
  }

  private key(number: string, user: string): string {
    return `${number}|${user.replace(/\D/g, '')}`;
  }
}

/**
 * The number a customer's message goes to: the only one that matches, else the one that last wrote
 * to this customer (a reply goes back to whoever wrote), else 404/409 naming how to choose.
 */
export function recipientOf<T>(matches: T[], lastWriter: T | undefined, what: string, howToName: string): T {
  const one = matches.length === 1 ? matches[0] : lastWriter;
  if (one !== undefined) return one;
  throw new ControlError(
    matches.length ? 409 : 404,
    matches.length
      ? `${matches.length} ${what}s match and none has written to this customer: ${howToName}`
      : `no such ${what}`,
  );
}

/**
 * `GET /sent`: accepted messages, newest first, each with its webhooks' outcomes (`?to=` the user's
 * number, `?limit=`, default 50); `GET /webhooks`: the last 200 webhook deliveries, newest first.
 */
export function recordRoutes<T extends { to: string }>(
  r: Router,
  deliveries: Deliveries,
  sent: T[],
  idOf: (s: T) => string,
): void {
  r.get('/sent', (req, res) => {
    const limit = Math.min(Number(req.query.limit) || 50, 1_000);
    const to = typeof req.query.to === 'string' ? req.query.to.replace(/\D/g, '') : undefined;
    const items = sent
      .filter((s) => !to || s.to === to)
      .slice(-limit)
      .reverse()
      .map((s) => ({ ...s, webhooks: deliveries.log.filter((d) => d.id === idOf(s)) }));
    res.json({ items });
  });
  r.get('/webhooks', (_req, res) => void res.json({ items: deliveries.log.slice(-200).reverse() }));
}

/** Random digits, for the ids a provider would assign (phone number ids, WABA ids). */
export function digits(n: number): string {
  let out = String(1 + Math.floor(Math.random() * 9));
  while (out.length < n) out += String(Math.floor(Math.random() * 10));
  return out;
}
