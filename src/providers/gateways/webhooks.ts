import type { z } from 'zod';
import type { GatewayEvent } from '../../domain/gateway-event';
import { gatewayWebhookBody } from '../../schemas/session.schema';
import { gatewaySessionName } from '../../schemas/webhook.schema';
import { evolutionWebhookBody, normaliseEvolutionWebhook } from './evolution/evolution.webhook';
import { normaliseSeedWebhook } from './seed/seed.webhook';
import { normaliseWahaWebhook, wahaWebhookBody } from './waha/waha.webhook';

export type NormalisedGatewayWebhook =
  | { ok: true; gatewaySessionId: string; event: GatewayEvent | null }
  | { ok: false; issues: z.core.$ZodIssue[] };

/**
 * The session a gateway body names, when it is a readable session name — by the same envelope
 * rules as below: Evolution's `instance`, WAHA's `session` (with a `payload`), else the seed's
 * `sessionId`. A URL token is checked against it before anything else is read.
 */
export function gatewaySessionOf(body: Record<string, unknown>): string | undefined {
  const named = gatewaySessionField(body);
  return gatewaySessionName.safeParse(named).success ? (named as string) : undefined;
}

/** The field that names the session, as sent (maybe no usable name). */
export const gatewaySessionField = (body: Record<string, unknown>): unknown =>
  'instance' in body ? body.instance : 'session' in body && 'payload' in body ? body.session : body.sessionId;

/** The seed's body, with a session name that can be looked up (no NUL, no control characters). */
const seedWebhookBody = gatewayWebhookBody.extend({ sessionId: gatewaySessionName });

/**
 * Any supported gateway's webhook body → our event. The envelopes are distinct (Evolution names
 * the `instance`, WAHA the `session` with a `payload`, the seed a `sessionId`), so one endpoint
 * serves all three.
 */
export function normaliseGatewayWebhook(body: Record<string, unknown>): NormalisedGatewayWebhook {
  if ('instance' in body) {
    const p = evolutionWebhookBody.safeParse(body);
    return p.success
      ? { ok: true, ...normaliseEvolutionWebhook(p.data) }
      : { ok: false, issues: p.error.issues };
  }
  if ('session' in body && 'payload' in body) {
    const p = wahaWebhookBody.safeParse(body);
    return p.success ? { ok: true, ...normaliseWahaWebhook(p.data) } : { ok: false, issues: p.error.issues };
  }
  const p = seedWebhookBody.safeParse(body);
  return p.success ? { ok: true, ...normaliseSeedWebhook(p.data) } : { ok: false, issues: p.error.issues };
}
