import { createHmac } from 'node:crypto';
import { safeEqual } from '../../../security/api-keys';

/**
 * Where a gateway should post its session events, and the shared secret that proves they are
 * from it. Gateways that send custom headers (WAHA `customHeaders`, Evolution `webhook.headers`)
 * carry the secret as `X-Webhook-Secret`. The seed gateway's `POST /api/v1/webhook {sessionId, url}`
 * takes no headers, so its URL carries a per-session token instead: HMAC-SHA256(secret, session
 * name). A leaked URL (gateway logs, its SQLite) then authenticates events of that one session
 * only, and the secret itself never leaves us.
 */
export interface GatewayWebhookTarget {
  /** Our public `POST /webhooks/gateway` URL. */
  url: string;
  secret: string;
}

export const WEBHOOK_TOKEN_PARAM = 'token';

export function webhookTokenFor(secret: string, gatewaySessionId: string): string {
  return createHmac('sha256', secret).update(`gateway-webhook:${gatewaySessionId}`, 'utf8').digest('hex');
}

/** The target URL with the session's token as a query parameter. */
export function tokenisedWebhookUrl(target: GatewayWebhookTarget, gatewaySessionId: string): string {
  const u = new URL(target.url);
  u.searchParams.set(WEBHOOK_TOKEN_PARAM, webhookTokenFor(target.secret, gatewaySessionId));
  return u.toString();
}

/** Constant-time check of a token given in the URL against the session the event names. */
export function isValidWebhookToken(secret: string, gatewaySessionId: string, given: string): boolean {
  return safeEqual(given, webhookTokenFor(secret, gatewaySessionId));
}

/** `…?token=<hex>` → `…?token=[redacted]`, for request logs. */
export function redactWebhookToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
