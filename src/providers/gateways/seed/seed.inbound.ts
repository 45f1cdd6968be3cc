import { createHash } from 'node:crypto';
import { z } from 'zod';
import { gatewaySessionName, providerId, whatsappJid } from '../../../schemas/webhook.schema';
import { WHATSAPP_WEB_PROVIDER, type GatewayInbound } from '../../../domain/gateway-event';
import {
  baileysKey,
  baileysText,
  baileysType,
  gatewayTime,
  isBaileysBookkeeping,
  isStatusBroadcast,
  senderAddress,
} from '../shared/jid';

const sessionId = gatewaySessionName;
const jid = whatsappJid;

/**
 * v1.2.0 `message.received` (`index.js` `dispatchMessageWebhook`): `data {from, text, type}` where
 * `type` is the Baileys message key. Only sent for messages not from us; it carries no message id.
 */
export const seedMessageReceived = z.object({
  event: z.literal('message.received'),
  sessionId,
  data: z.looseObject({
    from: jid,
    text: z.string().max(65_536).nullable().optional(),
    type: z.string().max(64).optional(),
  }),
  // Needed for the derived dedupe id (below); the seed sets it on every event.
  timestamp: z.union([z.string().min(1).max(64), z.number()]),
});

/** Older servers: `new-message {event, sessionId, from, messageId, timestamp, data: <Baileys WAMessage>}`. */
export const seedNewMessage = z.object({
  event: z.literal('new-message'),
  sessionId,
  from: jid,
  messageId: providerId.max(200),
  timestamp: z.unknown().optional(),
  data: z
    .looseObject({
      key: z.looseObject({ fromMe: z.boolean().optional(), participant: jid.nullish() }).nullish(),
      message: z.looseObject({}).nullish(),
      pushName: z.string().max(256).nullish(),
    })
    .nullish(),
});

/**
 * The seed v1.2.0 event has no message id, so the dedupe id is derived from what a redelivery
 * repeats exactly: gateway session, sender JID, the event's `timestamp` (set once per dispatch and
 * reused by the gateway's own 3 attempts) and the sha256 of the text. Two different messages
 * collide only if the same person sends the same text within the same millisecond.
 */
export function seedDerivedMessageId(
  session: string,
  from: string,
  timestamp: string | number,
  text: string,
): string {
  const textHash = createHash('sha256').update(text, 'utf8').digest('hex');
  const digest = createHash('sha256')
    .update(`${session}\n${from}\n${String(timestamp)}\n${textHash}`, 'utf8')
    .digest('hex');
  return `seed-${digest.slice(0, 40)}`;
}

export function normaliseSeedMessageReceived(
  body: z.infer<typeof seedMessageReceived>,
  now = new Date(),
): GatewayInbound {
  const { from, type } = body.data;
  const text = body.data.text ?? '';
  if (isStatusBroadcast(from))
    return { gatewaySessionId: body.sessionId, message: null, ignored: 'status broadcast' };
  if (isBaileysBookkeeping(type))
    return { gatewaySessionId: body.sessionId, message: null, ignored: 'not a chat message' };
  return {
    gatewaySessionId: body.sessionId,
    message: {
      provider: WHATSAPP_WEB_PROVIDER,
      providerMessageId: seedDerivedMessageId(body.sessionId, from, body.timestamp, text),
      recipientAccountId: body.sessionId,
      from: senderAddress(from),
      fromName: null,
      at: gatewayTime(body.timestamp, now),
      type: baileysType(type),
      text: text === '' ? null : text,
      content: { chatId: from, gatewayType: type ?? null },
    },
  };
}

export function normaliseSeedNewMessage(
  body: z.infer<typeof seedNewMessage>,
  now = new Date(),
): GatewayInbound {
  const msg = body.data?.message ?? null;
  const key = baileysKey(msg);
  const skip = (ignored: string): GatewayInbound => ({
    gatewaySessionId: body.sessionId,
    message: null,
    ignored,
  });
  // The old server filters its own messages out already; an echo that slips through is still ours.
  if (body.data?.key?.fromMe === true) return skip('own message');
  if (isStatusBroadcast(body.from)) return skip('status broadcast');
  if (isBaileysBookkeeping(key)) return skip('not a chat message');
  const author = body.data?.key?.participant ?? body.from;
  return {
    gatewaySessionId: body.sessionId,
    message: {
      provider: WHATSAPP_WEB_PROVIDER,
      providerMessageId: body.messageId,
      recipientAccountId: body.sessionId,
      from: senderAddress(author),
      fromName: body.data?.pushName ?? null,
      at: gatewayTime(body.timestamp, now),
      type: baileysType(key),
      text: baileysText(msg),
      content: { chatId: body.from, ...(msg ? { message: msg } : {}) },
    },
  };
}
