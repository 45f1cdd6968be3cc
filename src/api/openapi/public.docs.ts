import type { OperationDocs } from './operation-docs';

/** Routes outside `/v1`: probes, provider webhooks, the docs themselves and the admin page. */
export const publicDocs: OperationDocs = {
  'GET /healthz': {
    tag: 'probes',
    summary: 'Liveness: the process is up',
    security: 'none',
    responses: { 200: '`{status: "ok"}`' },
  },
  'GET /readyz': {
    tag: 'probes',
    summary: 'Readiness: Temporal and MongoDB answer',
    security: 'none',
    responses: {
      200: '`{status: "ready", checks}`',
      503: '`{status: "not_ready", checks}` naming the failing dependency',
    },
  },
  'GET /metrics': {
    tag: 'probes',
    summary: 'Prometheus metrics (text exposition format)',
    security: 'metricsToken',
    responses: {
      200: { description: 'Prometheus text format', contentType: 'text/plain' },
      401: 'METRICS_TOKEN is set and the bearer token is missing or wrong',
    },
  },
  'POST /webhooks/gateway': {
    tag: 'webhooks',
    summary: 'WhatsApp Web gateway events (seed, WAHA, Evolution)',
    description:
      'Authenticated by the shared secret in X-Webhook-Secret (WAHA, Evolution) or by the per-session ' +
      '`?token=` of the URL we registered (seed). Session events signal the session workflow; received ' +
      'messages start their inbound workflow.',
    security: 'gatewaySecret',
    responses: {
      200: '`{accepted, reason?, duplicate?}`',
      401: 'Missing or wrong secret or token',
      404: 'Unknown session',
      503: 'GATEWAY_WEBHOOK_SECRET is not configured',
    },
  },
  'POST /webhooks/meta': {
    tag: 'webhooks',
    summary: 'Meta Cloud API webhook: message statuses and inbound messages',
    description: 'Signed by Meta: X-Hub-Signature-256 is HMAC-SHA256 of the raw body with the app secret.',
    security: 'none',
    rawBody: { description: "Meta's webhook notification (object whatsapp_business_account)" },
    responses: {
      200: '`{received}`: how many statuses and messages were taken',
      401: 'Missing or wrong X-Hub-Signature-256',
      503: 'META_APP_SECRET is not set',
    },
  },
  'GET /openapi.json': {
    tag: 'docs',
    summary: 'This document (OpenAPI 3.1)',
    security: 'none',
    responses: { 200: 'The OpenAPI document' },
  },
  'GET /docs': {
    tag: 'docs',
    summary: 'A readable page of this document',
    security: 'none',
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
  'GET /admin': {
    tag: 'admin',
    summary: 'The admin page (redirects to /admin/)',
    security: 'none',
    responses: { 301: 'Redirect to /admin/' },
  },
};
