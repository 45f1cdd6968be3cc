import { z } from 'zod';
import { gatewaySessionName, providerId, whatsappJid } from '../../../schemas/webhook.schema';
import { WHATSAPP_WEB_PROVIDER, type GatewayInbound } from '../../../domain/gateway-event';
import {
  baileysKey,
  baileysText,
  baileysType,
  gatewayTime,
  isBaileysBookkeeping,
  isGroupJid,
  isStatusBroadcast,
  senderAddress,
} from '../shared/jid';

const jid = whatsappJid;

/**
 * Evolution API `messages.upsert` (`MESSAGES_UPSERT`), gateways.md §2.5: `data` is the stored
 * Baileys record `{key: {remoteJid, fromMe, id, participant?}, pushName, message, messageType,
 * messageTimestamp, source}`. Our own sends also arrive here with `fromMe: true` (issue #1340).
 */
export const evolutionMessagesUpsert = z.object({
  event: z.string().min(1).max(64),
  instance: gatewaySessionName,
  data: z.looseObject({
    key: z.looseObject({
      remoteJid: jid,
      fromMe: z.boolean().optional(),
      id: providerId.max(200),
      participant: jid.nullish(),
    }),
    pushName: z.string().max(256).nullish(),
    message: z.looseObject({}).nullish(),
    messageType: z.string().max(64).nullish(),
    messageTimestamp: z.unknown().optional(),
  }),
});

/** `messages.upsert` in either spelling (`MESSAGES_UPSERT`, as subscriptions name it). */
export const isEvolutionMessageEvent = (event: string) =>
  event.toLowerCase().replace(/_/g, '.') === 'messages.upsert';

export function normaliseEvolutionMessage(
  body: z.infer<typeof evolutionMessagesUpsert>,
  now = new Date(),
): GatewayInbound {
  const { key, message } = body.data;
  const kind = body.data.messageType ?? baileysKey(message);
  const skip = (ignored: string): GatewayInbound => ({
    gatewaySessionId: body.instance,
    message: null,
    ignored,
  });
  if (key.fromMe === true) return skip('own message');
  if (isStatusBroadcast(key.remoteJid)) return skip('status broadcast');
  if (isBaileysBookkeeping(kind)) return skip('not a chat message');
  const author = isGroupJid(key.remoteJid) && key.participant ? key.participant : key.remoteJid;
  return {
    gatewaySessionId: body.instance,
    message: {
      provider: WHATSAPP_WEB_PROVIDER,
      providerMessageId: key.id,
      recipientAccountId: body.instance,
      from: senderAddress(author),
      fromName: body.data.pushName ?? null,
      at: gatewayTime(body.data.messageTimestamp, now),
      type: baileysType(kind),
      text: baileysText(message),
      content: { chatId: key.remoteJid, ...(message ? { message } : {}) },
    },
  };
}
