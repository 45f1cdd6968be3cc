import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { Application } from 'express';
import { z } from 'zod';
import { errorBody } from '../../schemas/error.schema';
import { operationKey, type OperationDoc, type OperationDocs, type ResponseDoc } from './operation-docs';
import { operatorDocs, publicDocs } from './public.docs';
import { v1Docs } from './v1.docs';
import { conversationDocs } from './conversations.docs';
import { broadcastDocs } from './broadcasts.docs';
import { liveRoutes, type LiveRoute } from './route-walk';

/** Every operation's prose; the routes and their schemas come from the app itself. */
export const operationDocs: OperationDocs = {
  ...publicDocs,
  ...operatorDocs,
  ...v1Docs,
  ...conversationDocs,
  ...broadcastDocs,
};

const API_KEY = 'ApiKey';
const GATEWAY_SECRET = 'GatewayWebhookSecret';
const METRICS_TOKEN = 'MetricsToken';
const CODEC_TOKEN = 'CodecToken';

/** zod-to-openapi lists params and query from an object's keys: anything else cannot be documented. */
function asObject(s: z.ZodType | undefined, where: string): z.ZodObject | z.ZodPipe | undefined {
  if (s === undefined || s instanceof z.ZodObject || s instanceof z.ZodPipe) return s;
  throw new Error(`${where}: params and query schemas must be zod objects to be documented`);
}

/** Per-tenant caps answered 422 quota_exceeded (src/api/middleware/admission.ts). */
const TENANT_CAPS: Record<string, string> = {
  'POST /v1/sessions': 'TENANT_MAX_SESSIONS',
  'POST /v1/senders': 'TENANT_MAX_SENDERS',
  'POST /v1/onboardings': 'TENANT_MAX_SENDERS',
};

function responsesOf(doc: OperationDoc, route: LiveRoute): RouteConfig['responses'] {
  const out: Record<string, ResponseConfig> = {};
  const errorResponse = (description: string): ResponseConfig => ({
    description,
    content: { 'application/json': { schema: errorBody } },
  });
  const all: Record<number, string | ResponseDoc> = { ...doc.responses };
  if (route.schemas) all[400] ??= 'validation_failed: `details` lists `{field, rule, message}`';
  if (route.path.startsWith('/v1/')) all[401] ??= 'Missing, invalid or revoked API key';
  // Admission control (issue 15): every /v1 request draws from its API key's token bucket.
  if (route.path.startsWith('/v1/'))
    all[429] ??= 'rate_limited (this API key is over its rate) or quota_exceeded, with Retry-After';
  const cap = TENANT_CAPS[`${route.method.toUpperCase()} ${route.path}`];
  if (cap) {
    const before = all[422];
    const text = typeof before === 'string' ? before : before?.description;
    all[422] = `${text ? `${text}; ` : ''}quota_exceeded: the tenant is at ${cap}`;
  }
  for (const [status, r] of Object.entries(all)) {
    const res = typeof r === 'string' ? { description: r } : r;
    if (Number(status) >= 400) out[status] = errorResponse(res.description);
    else if (res.schema || res.contentType)
      out[status] = {
        description: res.description,
        content: { [res.contentType ?? 'application/json']: res.schema ? { schema: res.schema } : {} },
      };
    else out[status] = { description: res.description };
  }
  return out;
}

type Requirement = Record<string, string[]>;

function securityOf(kind: NonNullable<OperationDoc['security']> | 'apiKey'): Requirement[] {
  switch (kind) {
    case 'apiKey':
      return [{ [API_KEY]: [] }];
    case 'gatewaySecret':
      return [{ [GATEWAY_SECRET]: [] }];
    case 'metricsToken':
      // METRICS_TOKEN, or nothing where METRICS_PUBLIC=true: `{}` is OpenAPI's "no credentials needed" alternative.
      return [{}, { [METRICS_TOKEN]: [] }];
    case 'codecToken':
      return [{ [CODEC_TOKEN]: [] }];
    case 'none':
      return [];
  }
}

function operationOf(route: LiveRoute): RouteConfig {
  const doc: OperationDoc = operationDocs[operationKey(route.method, route.path)] ?? {
    tag: 'undocumented',
    summary: 'Undocumented route',
    responses: {},
  };
  const security = securityOf(doc.security ?? (route.path.startsWith('/v1/') ? 'apiKey' : 'none'));
  const { body, params, query } = route.schemas ?? {};
  const key = operationKey(route.method, route.path);
  return {
    method: route.method,
    path: route.path,
    // `post_v1_sessions_sessionId_restart`: an identifier client generators can use.
    operationId: `${route.method}${route.path}`.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, ''),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    security,
    request: {
      params: asObject(params, key),
      query: asObject(query, key),
      headers: doc.headers,
      body: body
        ? { required: true, content: { 'application/json': { schema: body } } }
        : doc.rawBody && {
            description: doc.rawBody.description,
            required: true,
            content: { [doc.rawBody.contentType ?? 'application/json']: { schema: { type: 'object' } } },
          },
    },
    responses: responsesOf(doc, route),
  };
}

/** The OpenAPI 3.1 document of what `app` serves: paths and schemas read from its routes. */
export function buildOpenApiDocument(app: Application) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', API_KEY, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`npm run apikey`); it names the tenant.',
  });
  registry.registerComponent('securitySchemes', GATEWAY_SECRET, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Webhook-Secret',
    description: 'Shared secret of the WhatsApp Web gateway (GATEWAY_WEBHOOK_SECRET).',
  });
  registry.registerComponent('securitySchemes', METRICS_TOKEN, {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN; without it /metrics answers 404 unless METRICS_PUBLIC=true.',
  });
  registry.registerComponent('securitySchemes', CODEC_TOKEN, {
    type: 'http',
    scheme: 'bearer',
    description: 'TEMPORAL_CODEC_TOKEN: operators only (the Temporal Web UI and CLI codec endpoint).',
  });
  for (const route of liveRoutes(app)) registry.registerPath(operationOf(route));
  registry.registerWebhook({
    method: 'post',
    path: 'tenantCallback',
    summary: 'Status callback sent to the tenant (PUT /v1/callbacks)',
    description:
      'Every status change and inbound message, POSTed as JSON to the tenant callback URL. ' +
      'Signed: `X-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Timestamp>.<body>")>`.',
    responses: { 200: { description: 'Any 2xx acknowledges; others are retried with backoff' } },
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Durable WhatsApp API',
      // The version of the /v1 API, not of the package.
      version: '1.0.0',
      description:
        'Sessions, messages and webhooks; every request body is checked by the schema shown. Every list ' +
        'answers one shape, `{items, nextCursor}` newest first with `?limit=` and `?cursor=` (schema ListPage).',
    },
    servers: [{ url: '/' }],
  });
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
