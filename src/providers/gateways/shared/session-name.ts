import { createHash } from 'node:crypto';

/**
 * The name a session gets on the gateway. Gateways are shared by every tenant and accept only
 * `^[a-zA-Z0-9_-]{1,50}$`-style names, so the name is the session id (readable, cut to 24) plus
 * 20 hex of sha256(tenant:session): unique per tenant, stable across retries and restarts.
 */
export function gatewaySessionName(tenantId: string, sessionId: string): string {
  const digest = createHash('sha256').update(`${tenantId}:${sessionId}`, 'utf8').digest('hex').slice(0, 20);
  return `${sessionId.slice(0, 24)}-${digest}`;
}
