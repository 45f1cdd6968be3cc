import type { Application, ErrorRequestHandler, Request, RequestHandler } from 'express';
import { isStorageUnavailable } from '../../db/storage-errors';
import { DomainError, type DomainErrorKind } from '../../domain/errors';
import { isTemporalUnavailable } from '../../temporal/temporal-errors';
import { liveRoutes } from '../openapi/route-walk';
import { ValidationFailed } from './validate';

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An answer about the HTTP exchange itself (415, 405), not about the domain. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** `/v1/sessions/{sessionId}/qr.png` → a regex matching that path as express does (any case, optional trailing slash). */
function pathPattern(openApiPath: string): RegExp {
  const source = openApiPath
    .split(/\{[^}]+\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * The last handler: 405 with `Allow` when the path exists with other methods, else 404. The
 * methods come from the app's own router (the walk the OpenAPI document uses), read once the app
 * is complete, at the first unmatched request.
 */
export function unmatchedRoute(app: Application): RequestHandler {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const tableOf = (req: Request) => {
    if (table) return table;
    const byPath = new Map<string, Set<string>>();
    try {
      for (const r of liveRoutes(app))
        byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method.toUpperCase()));
    } catch (err) {
      // A route the walk cannot read (the OpenAPI drift test fails on it too) must not turn 404s into 500s.
      req.log?.error({ err }, 'routes cannot be listed: wrong methods are answered 404, not 405');
    }
    return (table = [...byPath].map(([p, methods]) => ({ pattern: pathPattern(p), methods })));
  };
  const methodsFor = (req: Request): string[] => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of tableOf(req))
      if (pattern.test(req.path)) for (const m of methods) allowed.add(m);
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  };
  return (req) => {
    const allowed = methodsFor(req);
    if (allowed.length > 0)
      throw new HttpProblem(
        405,
        'method_not_allowed',
        `${req.method} is not allowed on ${req.path}: use ${allowed.join(', ')}`,
        { Allow: allowed.join(', ') },
      );
    throw new HttpProblem(404, 'route_not_found', `No route for ${req.method} ${req.path}`);
  };
}

/** Which of our own dependencies an error says is down, if any. */
function unavailableDependency(err: unknown): 'temporal' | 'database' | null {
  // Temporal first: its check is exact (a gRPC status), the storage one also reads socket errors.
  if (isTemporalUnavailable(err)) return 'temporal';
  if (isStorageUnavailable(err)) return 'database';
  return null;
}

const DEPENDENCY_NAME = { temporal: 'Temporal', database: 'The database' } as const;

/**
 * The one place that turns errors into HTTP answers. Bad input is always 4xx, never 5xx; our own
 * dependency down (the database, Temporal) is a 503 with Retry-After, never a 500. Only a 2xx says
 * a request was made durable; the client retries a 503, and with its Idempotency-Key the retry
 * can never act twice.
 */
export function errorHandler(opts: { retryAfterSeconds: number }): ErrorRequestHandler {
  const retryAfter = String(opts.retryAfterSeconds);
  return (err, req, res, _next) => {
    const send = (status: number, code: string, message: string, details?: unknown) => {
      if (res.headersSent) return;
      if (status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', retryAfter);
      const body: ErrorBody = {
        error: details === undefined ? { code, message } : { code, message, details },
      };
      res.status(status).json(body);
    };

    if (err instanceof ValidationFailed) return send(400, 'validation_failed', err.message, err.details);
    if (err instanceof HttpProblem) {
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      return send(err.status, err.code, err.message);
    }
    if (err instanceof DomainError) {
      if (err.kind === 'rate_limited' && typeof err.details === 'object' && err.details !== null) {
        const seconds = (err.details as { retryAfterSeconds?: number }).retryAfterSeconds;
        if (seconds) res.setHeader('Retry-After', String(seconds));
      }
      return send(STATUS[err.kind], err.code, err.message, err.details);
    }

    // body-parser errors carry `type` and `status`.
    const e = err as { type?: string; status?: number; message?: string };
    switch (e.type) {
      case 'entity.parse.failed':
        return send(400, 'invalid_json', 'Request body is not valid JSON');
      case 'entity.too.large':
        return send(413, 'payload_too_large', 'Request body is larger than the limit');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return send(415, 'unsupported_encoding', e.message ?? 'Unsupported body encoding');
      case 'request.aborted':
        return send(400, 'request_aborted', 'Request was aborted by the client');
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return send(e.status, 'bad_request', e.message ?? 'Bad request');
    }

    const dependency = unavailableDependency(err);
    if (dependency) {
      // The raw error is for operators (it may name hosts and ports), the answer only names the dependency.
      req.log?.warn({ err, dependency }, 'dependency unavailable');
      return send(
        503,
        'dependency_unavailable',
        `${DEPENDENCY_NAME[dependency]} is unavailable: retry after ${retryAfter} seconds`,
        { dependency },
      );
    }

    req.log?.error({ err }, 'unhandled error');
    return send(500, 'internal_error', 'Internal error');
  };
}
