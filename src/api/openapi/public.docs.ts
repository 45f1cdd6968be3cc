import { z } from 'zod';
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
      503: '`{status: "not_ready", checks}` naming the failing dependency (the error text is only logged)',
    },
  },
  'GET /metrics': {
    tag: 'probes',
    summary: 'Prometheus metrics (text exposition format)',
    security: 'metricsToken',
    responses: {
      200: { description: 'Prometheus text format', contentType: 'text/plain' },
      401: 'METRICS_TOKEN is set and the bearer token is missing or wrong',
      404: 'METRICS_TOKEN is not set and METRICS_PUBLIC is not true: metrics are closed on this port',
    },
  },
  'POST /webhooks/gateway': {
    tag: 'webhooks',
    summary: 'WhatsApp Web gateway events (seed, WAHA, Evolution)',
    description:
      'Authenticated by the shared secret in X-Webhook-Secret (WAHA, Evolution) or by the per-session ' +
      '`?token=` of the URL we registered (seed). Session events signal the session workflow; received ' +
      'messages start their inbound workflow; acknowledgements of our sends (WAHA `message.ack`, Evolution ' +
      '`messages.update`) move the message they name, within the session’s tenant, to delivered, read or ' +
      'failed. An authenticated event that is not usable (fields missing or ' +
      'wrong, a session name with control characters, nested deeper than 32 levels) is kept in the ' +
      'dead letters (GET /v1/dead-letters) and answered 400.',
    security: 'gatewaySecret',
    responses: {
      200: '`{accepted, reason?, duplicate?}`',
      400: 'Not a JSON object, or an event that cannot be used (also kept as a dead letter)',
      401: 'Missing or wrong secret or token',
      404: 'Unknown session',
      503: 'GATEWAY_WEBHOOK_SECRET is not configured',
    },
  },
  'POST /webhooks/meta': {
    tag: 'webhooks',
    summary: 'Meta Cloud API webhook: message statuses and inbound messages',
    description:
      'Signed by Meta: X-Hub-Signature-256 is HMAC-SHA256 of the raw body with the app secret. Account ' +
      'alerts (account_update, phone_number_quality_update, message_template_status_update…) are stored ' +
      'once for the tenant whose sender is on the WABA (GET /v1/alerts); an unknown WABA is logged. The ' +
      'signature is checked before the body is parsed; then each entry, change, status, message and alert is ' +
      'checked on its own: one that does not fit is kept in the dead letters (GET /v1/dead-letters) and the ' +
      'others are processed, answered 200 — Meta must not redeliver a whole batch for one poison entry.',
    security: 'none',
    rawBody: { description: "Meta's webhook notification (object whatsapp_business_account)" },
    responses: {
      200: '`{received, deadLettered}`: how many statuses, messages and alerts were taken, and set aside',
      400: 'The body is not JSON, or not a JSON object',
      401: 'Missing or wrong X-Hub-Signature-256',
      503: 'META_APP_SECRET is not set',
    },
  },
  'GET /webhooks/meta': {
    tag: 'webhooks',
    summary: "Meta's webhook verification handshake",
    description:
      'Meta calls it when the callback URL is saved: with `hub.mode=subscribe` and `hub.verify_token` equal ' +
      'to META_WEBHOOK_VERIFY_TOKEN (constant-time) the answer is `hub.challenge` as text/plain. No signature.',
    security: 'none',
    responses: {
      200: { description: 'The raw hub.challenge', contentType: 'text/plain' },
      403: 'Wrong mode or verify token, or META_WEBHOOK_VERIFY_TOKEN is not set',
    },
  },
  'POST /webhooks/360dialog': {
    tag: 'webhooks',
    summary: '360dialog webhook: statuses, inbound messages and account alerts (Meta envelope)',
    description:
      'Authenticated by the headers our onboarding configured on the channel webhook: X-Dw-Channel names the ' +
      'sender, X-Dw-Webhook-Secret must equal its sealed secret. Only that sender’s tenant is touched.',
    security: 'none',
    headers: z.object({ 'x-dw-channel': z.string(), 'x-dw-webhook-secret': z.string() }),
    rawBody: { description: "Meta's webhook notification as 360dialog forwards it" },
    responses: {
      200: '`{received, deadLettered}`: entries taken, and entries kept in the dead letters (as for Meta)',
      400: 'The body is not JSON, or not a JSON object',
      401: 'Missing or wrong X-Dw-Channel / X-Dw-Webhook-Secret',
    },
  },
  'POST /webhooks/twilio': {
    tag: 'webhooks',
    summary: 'Twilio WhatsApp webhook: status callbacks and inbound messages (form-encoded)',
    description:
      'Signed by Twilio: X-Twilio-Signature is base64 HMAC-SHA1, with the auth token of the sender named by ' +
      'AccountSid and our number (From of a status, To of an inbound), of `${PUBLIC_BASE_URL}/webhooks/twilio` ' +
      '+ the query string + each parameter sorted by name as name+value. A signed request whose SID or ' +
      'addresses are unusable (control characters, over 512 characters) is kept in the dead letters and answered 200.',
    security: 'none',
    rawBody: { description: 'Twilio request parameters', contentType: 'application/x-www-form-urlencoded' },
    responses: {
      200: { description: 'Inbound: empty TwiML (text/xml); status: `{received}`', contentType: 'text/xml' },
      403: 'Missing or wrong X-Twilio-Signature, or no such sender',
      503: 'PUBLIC_BASE_URL is not set',
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
  'GET /signup': {
    tag: 'admin',
    summary: 'The Embedded Signup page (redirects to /signup/, keeping the query)',
    description:
      "Connects a number through Meta's Embedded Signup, 360dialog's Integrated Onboarding (its redirect " +
      '`?client=…&channels=[…]` lands here) or Twilio, then starts `POST /v1/onboardings` with an API key.',
    security: 'none',
    responses: { 301: 'Redirect to /signup/' },
  },
  'GET /signup/config.json': {
    tag: 'admin',
    summary: "The signup page's public settings",
    description:
      'Meta app id, Facebook Login for Business configuration id, Graph API version, 360dialog partner id ' +
      'and Hub permissions URL, and the providers this server can onboard. Never a secret. ' +
      '`esSimulatorOrigin` only in Embedded Signup simulator mode (META_ES_SIMULATOR_URL, set by the local ' +
      "stack when it runs the Meta simulator; refused in production): the page loads the simulator's SDK " +
      'from there and trusts its dialog as it trusts facebook.com.',
    security: 'none',
    responses: {
      200: '`{metaAppId, metaConfigId, graphApiVersion, dialog360PartnerId, dialog360ConnectUrl, providers, esSimulatorOrigin?}`',
    },
  },
};

/** The Temporal Web UI's and CLI's codec endpoint and the operators' recipient query (issue 15). */
const codecOp = (op: 'decode' | 'encode', tokenInPath: boolean) => ({
  tag: 'operators',
  summary: `${op === 'decode' ? 'Decode' : 'Encode'} Temporal payloads with the payload codec${tokenInPath ? ' (token in the path)' : ''}`,
  description:
    "Temporal's codec-server protocol: `{payloads: [{metadata: {key: base64}, data: base64}]}` in and out. " +
    (tokenInPath
      ? 'For a Web UI that sends no Authorization header: its codec endpoint is `/codec/<TEMPORAL_CODEC_TOKEN>`; the path is redacted in the request log.'
      : 'Authorization: Bearer TEMPORAL_CODEC_TOKEN (the CLI: `--codec-auth`). CORS for TEMPORAL_CODEC_CORS_ORIGINS.'),
  security: tokenInPath ? ('none' as const) : ('codecToken' as const),
  responses: {
    200: '`{payloads: [...]}`',
    400: 'Not `{payloads}` with base64 values (validation_failed), or a payload sealed with a key this server does not hold',
    401: 'Missing or wrong codec token',
  },
});

export const operatorDocs: OperationDocs = {
  'POST /codec/decode': codecOp('decode', false),
  'POST /codec/encode': codecOp('encode', false),
  'POST /codec/{token}/decode': codecOp('decode', true),
  'POST /codec/{token}/encode': codecOp('encode', true),
  'POST /operator/recipient-query': {
    tag: 'operators',
    summary: "A phone number's Recipient hash and the Web UI query for its messages",
    description:
      'Body `{phone}`. The `Recipient` search attribute holds `h:<keyed hash>`, never the number: this answers ' +
      '`{recipient, query}` for the Temporal Web UI. Authorization: Bearer TEMPORAL_CODEC_TOKEN.',
    security: 'codecToken',
    responses: {
      200: '`{recipient, query}`',
      400: 'Not `{phone}` with a phone number',
      401: 'Missing or wrong codec token',
      409: 'TEMPORAL_RECIPIENT_HASH_KEY is not set',
    },
  },
};
