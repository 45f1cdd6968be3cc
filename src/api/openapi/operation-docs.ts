import type { z } from 'zod';

/**
 * What a route's OpenAPI operation says beyond its request schemas. Request params, query and
 * body are never written here: they are read from the `route()` call that validates them (see
 * route-walk.ts), so the document cannot describe an input the server does not check.
 */
export interface OperationDoc {
  summary: string;
  description?: string;
  tag: string;
  /** Status → description (errors carry the common error body) or a described body. */
  responses: Record<number, string | ResponseDoc>;
  /** Request headers the handler reads itself (e.g. Idempotency-Key), with the schema it parses them with. */
  headers?: z.ZodObject;
  /** Only for handlers that take no body through `route()` (raw-bytes webhooks). */
  rawBody?: { description: string; contentType?: string };
  /** Default: API key for everything under /v1, none elsewhere. */
  security?: 'gatewaySecret' | 'metricsToken' | 'codecToken' | 'none';
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/** Declarations keyed by `METHOD /openapi/path`, e.g. `POST /v1/messages`. */
export type OperationDocs = Record<string, OperationDoc>;

export const operationKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;
