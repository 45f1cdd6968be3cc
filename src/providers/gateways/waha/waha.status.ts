import { z } from 'zod';
import type { GatewayStatus } from '../../../domain/gateway-event';
import type { MessageStatusEvent } from '../../../domain/message';
import {
  gatewaySessionName,
  isoFromMillis,
  providerId,
  providerLabel,
} from '../../../schemas/webhook.schema';

/**
 * WAHA `message.ack` (`WAHAWebhookMessageAck`, `webhooks.dto.ts`): `payload {id, from, to,
 * participant, fromMe, ack, ackName}` with `ack` from `WAMessageAck` — ERROR -1, PENDING 0,
 * SERVER 1, DEVICE 2, READ 3, PLAYED 4. `id` is the serialized `{fromMe}_{chatId}_{id}` a send
 * answered (waha.outbound.ts). The envelope's `timestamp` is in milliseconds.
 */
export const wahaMessageAck = z.object({
  event: z.literal('message.ack'),
  session: gatewaySessionName,
  timestamp: z.number().optional(),
  payload: z.looseObject({
    id: providerId.max(300),
    fromMe: z.boolean().optional(),
    ack: z.number().int().min(-1).max(4).nullish(),
    ackName: providerLabel.nullish(),
  }),
});

const BY_NAME: Record<string, number> = { ERROR: -1, PENDING: 0, SERVER: 1, DEVICE: 2, READ: 3, PLAYED: 4 };

/** Played (a voice note listened to) is read as far as a message's status goes. */
const STATUS: Record<number, MessageStatusEvent['status']> = {
  [-1]: 'failed',
  1: 'sent',
  2: 'delivered',
  3: 'read',
  4: 'read',
};

export function normaliseWahaAck(body: z.infer<typeof wahaMessageAck>, now = new Date()): GatewayStatus {
  const p = body.payload;
  const out = (ignored: string): GatewayStatus => ({ gatewaySessionId: body.session, status: null, ignored });
  // Our own sends only: `fromMe: false` acks are the receipts we send for messages we received.
  if (p.fromMe === false) return out('ack of a received message');
  const level = p.ack ?? (p.ackName ? BY_NAME[p.ackName.toUpperCase()] : undefined);
  const status = level === undefined ? undefined : STATUS[level];
  if (!status) return out(`ack ${p.ackName ?? String(p.ack ?? 'without a level')}`);
  return {
    gatewaySessionId: body.session,
    status: {
      status,
      providerMessageId: p.id,
      at: typeof body.timestamp === 'number' ? isoFromMillis(body.timestamp, now) : now.toISOString(),
      ...(status === 'failed'
        ? { error: { code: 'ack_error', message: 'WAHA reported the message as failed (ack ERROR)' } }
        : {}),
    },
  };
}
