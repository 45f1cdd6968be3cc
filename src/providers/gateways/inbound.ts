import type { z } from 'zod';
import type { GatewayInbound } from '../../domain/gateway-event';
import {
  evolutionMessagesUpsert,
  isEvolutionMessageEvent,
  normaliseEvolutionMessage,
} from './evolution/evolution.inbound';
import {
  normaliseSeedMessageReceived,
  normaliseSeedNewMessage,
  seedMessageReceived,
  seedNewMessage,
} from './seed/seed.inbound';
import { normaliseWahaMessage, wahaMessageEvent } from './waha/waha.inbound';

export type NormalisedGatewayInbound =
  ({ ok: true } & GatewayInbound) | { ok: false; issues: z.core.$ZodIssue[] };

function run<T>(
  schema: z.ZodType<T>,
  body: unknown,
  normalise: (parsed: T) => GatewayInbound,
): NormalisedGatewayInbound {
  const p = schema.safeParse(body);
  return p.success ? { ok: true, ...normalise(p.data) } : { ok: false, issues: p.error.issues };
}

/**
 * A gateway webhook body that reports a received message → the canonical inbound message; `null`
 * when the event is not a message event at all (session events go to `normaliseGatewayWebhook`).
 * Envelopes are told apart as there: Evolution names the `instance`, WAHA the `session` with a
 * `payload`, the seed a `sessionId`.
 */
export function normaliseGatewayInbound(
  body: Record<string, unknown>,
  now = new Date(),
): NormalisedGatewayInbound | null {
  const event = typeof body.event === 'string' ? body.event : '';
  if ('instance' in body)
    return isEvolutionMessageEvent(event)
      ? run(evolutionMessagesUpsert, body, (b) => normaliseEvolutionMessage(b, now))
      : null;
  if ('session' in body && 'payload' in body)
    return event === 'message' || event === 'message.any'
      ? run(wahaMessageEvent, body, (b) => normaliseWahaMessage(b, now))
      : null;
  if (event === 'message.received')
    return run(seedMessageReceived, body, (b) => normaliseSeedMessageReceived(b, now));
  if (event === 'new-message') return run(seedNewMessage, body, (b) => normaliseSeedNewMessage(b, now));
  return null;
}
