import { z } from 'zod';
import { gatewaySessionName, isoFromMillis } from '../../../schemas/webhook.schema';
import type { GatewayEvent } from '../../../domain/gateway-event';
import { mapWahaStatus } from './waha.mapper';

/**
 * WAHA's webhook envelope (`WAHAWebhook`, gateways.md §1.5): `{event, session, payload, …}`. Only
 * `session.status` is a session event; WAHA has no QR event — SCAN_QR_CODE is re-sent on every
 * rotation and the QR is fetched by the next poll.
 */
export const wahaWebhookBody = z.object({
  event: z.string().min(1).max(64),
  session: gatewaySessionName,
  payload: z
    .looseObject({ status: z.string().max(64).optional() })
    .nullable()
    .optional(),
  timestamp: z.number().optional(),
});

export function normaliseWahaWebhook(
  body: z.infer<typeof wahaWebhookBody>,
  now = new Date(),
): { gatewaySessionId: string; event: GatewayEvent | null } {
  const at = typeof body.timestamp === 'number' ? isoFromMillis(body.timestamp, now) : now.toISOString();
  const raw = body.payload?.status;
  if (body.event !== 'session.status' || !raw) return { gatewaySessionId: body.session, event: null };
  const { status } = mapWahaStatus(raw);
  const event: GatewayEvent =
    status === 'disconnected' ? { kind: 'logged_out', status, at } : { kind: 'status', status, at };
  return { gatewaySessionId: body.session, event };
}
