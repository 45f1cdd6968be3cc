import { z } from 'zod';
import type { GatewayStatus } from '../../../domain/gateway-event';
import type { MessageStatusEvent } from '../../../domain/message';
import { gatewaySessionName, providerId, providerLabel, whatsappJid } from '../../../schemas/webhook.schema';

/**
 * Evolution API `messages.update` (`MESSAGES_UPDATE`, `whatsapp.baileys.service.ts`): `data {keyId,
 * remoteJid, fromMe, participant, status, pollUpdates, instanceId, messageId}` where `keyId` is the
 * `key.id` a send answered and `status` one of ERROR, PENDING, SERVER_ACK, DELIVERY_ACK, READ,
 * PLAYED (`utils/renderStatus.ts`), or DELETED. `messageId` is Evolution's own database id.
 */
export const evolutionMessagesUpdate = z.object({
  event: z.string().min(1).max(64),
  instance: gatewaySessionName,
  date_time: z.string().max(64).optional(),
  data: z.looseObject({
    keyId: providerId.max(200),
    remoteJid: whatsappJid.nullish(),
    fromMe: z.boolean().optional(),
    status: providerLabel,
  }),
});

/** `messages.update` in either spelling (`MESSAGES_UPDATE`, as subscriptions name it). */
export const isEvolutionStatusEvent = (event: string) =>
  event.toLowerCase().replace(/_/g, '.') === 'messages.update';

const STATUS: Record<string, MessageStatusEvent['status']> = {
  ERROR: 'failed',
  SERVER_ACK: 'sent',
  DELIVERY_ACK: 'delivered',
  READ: 'read',
  PLAYED: 'read',
};

export function normaliseEvolutionStatus(
  body: z.infer<typeof evolutionMessagesUpdate>,
  now = new Date(),
): GatewayStatus {
  const d = body.data;
  const out = (ignored: string): GatewayStatus => ({
    gatewaySessionId: body.instance,
    status: null,
    ignored,
  });
  // Our own sends only: `fromMe: false` updates are about messages we received.
  if (d.fromMe === false) return out('update of a received message');
  const status = STATUS[d.status.toUpperCase()];
  if (!status) return out(`status ${d.status}`);
  const parsed = body.date_time ? Date.parse(body.date_time) : NaN;
  return {
    gatewaySessionId: body.instance,
    status: {
      status,
      providerMessageId: d.keyId,
      at: (Number.isNaN(parsed) ? now : new Date(parsed)).toISOString(),
      ...(status === 'failed'
        ? { error: { code: 'ack_error', message: 'Evolution API reported the message as failed (ERROR)' } }
        : {}),
    },
  };
}
