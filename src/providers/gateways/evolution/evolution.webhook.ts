import { z } from 'zod';
import { storableString } from '../../../domain/storable';
import { gatewaySessionName } from '../../../schemas/webhook.schema';
import type { GatewayEvent } from '../../../domain/gateway-event';
import { mapEvolutionState } from './evolution.mapper';

/**
 * Evolution API's webhook envelope (`webhook.controller.ts` emit, gateways.md §2.5):
 * `{event, instance, data, date_time, apikey, …}`. Note the body carries the instance token
 * (`apikey`): it is never stored or logged. Session events: `qrcode.updated`, `connection.update`,
 * `logout.instance`.
 */
export const evolutionWebhookBody = z.object({
  event: z.string().min(1).max(64),
  instance: gatewaySessionName,
  data: z.looseObject({}).nullable().optional(),
  date_time: z.string().max(64).optional(),
});

export function normaliseEvolutionWebhook(
  body: z.infer<typeof evolutionWebhookBody>,
  now = new Date(),
): { gatewaySessionId: string; event: GatewayEvent | null } {
  const parsed = body.date_time ? Date.parse(body.date_time) : NaN;
  const at = (Number.isNaN(parsed) ? now : new Date(parsed)).toISOString();
  const data = (body.data ?? {}) as { qrcode?: { code?: unknown }; state?: unknown };
  const out = (event: GatewayEvent | null) => ({ gatewaySessionId: body.instance, event });
  switch (body.event.toLowerCase().replace(/_/g, '.')) {
    case 'qrcode.updated': {
      const code = data.qrcode?.code;
      return out(
        typeof code === 'string' && code !== ''
          ? { kind: 'qr', status: 'generating_qr', qr: storableString(code), at }
          : null,
      );
    }
    case 'connection.update': {
      if (typeof data.state !== 'string') return out(null);
      const { status } = mapEvolutionState(data.state, false);
      return out(
        status === 'disconnected' ? { kind: 'logged_out', status, at } : { kind: 'status', status, at },
      );
    }
    case 'logout.instance':
      return out({ kind: 'logged_out', status: 'disconnected', at });
    default:
      return out(null);
  }
}
