import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, type DomainErrorKind } from '../../domain/errors';
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

export const notFoundRoute: RequestHandler = (req, res) => {
  const body: ErrorBody = {
    error: { code: 'route_not_found', message: `No route for ${req.method} ${req.path}` },
  };
  res.status(404).json(body);
};

/** The one place that turns errors into HTTP answers. Bad input is always 4xx, never 5xx. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const send = (status: number, code: string, message: string, details?: unknown) => {
    if (res.headersSent) return;
    const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
    res.status(status).json(body);
  };

  if (err instanceof ValidationFailed) return send(400, 'validation_failed', err.message, err.details);
  if (err instanceof DomainError) {
    if (err.kind === 'rate_limited' && typeof err.details === 'object' && err.details !== null) {
      const retryAfter = (err.details as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
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

  req.log?.error({ err }, 'unhandled error');
  return send(500, 'internal_error', 'Internal error');
};
