import type { z } from 'zod';
import type { GatewayStatus } from '../../domain/gateway-event';
import {
  evolutionMessagesUpdate,
  isEvolutionStatusEvent,
  normaliseEvolutionStatus,
} from './evolution/evolution.status';
import { normaliseWahaAck, wahaMessageAck } from './waha/waha.status';

export type NormalisedGatewayStatus =
  ({ ok: true } & GatewayStatus) | { ok: false; issues: z.core.$ZodIssue[] };

function run<T>(
  schema: z.ZodType<T>,
  body: unknown,
  normalise: (parsed: T) => GatewayStatus,
): NormalisedGatewayStatus {
  const p = schema.safeParse(body);
  return p.success ? { ok: true, ...normalise(p.data) } : { ok: false, issues: p.error.issues };
}

/**
 * A gateway webhook body that acknowledges a message (WAHA `message.ack`, Evolution
 * `messages.update`) → a status of the message it names; `null` when the event is no
 * acknowledgement (the seed gateway sends none). Envelopes are told apart as in `webhooks.ts`.
 */
export function normaliseGatewayStatus(
  body: Record<string, unknown>,
  now = new Date(),
): NormalisedGatewayStatus | null {
  const event = typeof body.event === 'string' ? body.event : '';
  if ('instance' in body)
    return isEvolutionStatusEvent(event)
      ? run(evolutionMessagesUpdate, body, (b) => normaliseEvolutionStatus(b, now))
      : null;
  if ('session' in body && 'payload' in body)
    return event === 'message.ack' ? run(wahaMessageAck, body, (b) => normaliseWahaAck(b, now)) : null;
  return null;
}
