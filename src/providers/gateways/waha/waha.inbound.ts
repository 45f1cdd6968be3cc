import { z } from 'zod';
import { gatewaySessionName, providerId, whatsappJid } from '../../../schemas/webhook.schema';
import { WHATSAPP_WEB_PROVIDER, type GatewayInbound } from '../../../domain/gateway-event';
import { gatewayTime, isGroupJid, isStatusBroadcast, senderAddress } from '../shared/jid';

const jid = whatsappJid;

/**
 * WAHA `message` (incoming only) and `message.any` (also our own) events, gateways.md §1.5:
 * `payload {id: "false_111@c.us_AAAA", timestamp, from, fromMe, to, participant?, body, hasMedia,
 * media?, _data}`. Subscribing to both delivers an incoming message twice under the same id.
 */
export const wahaMessageEvent = z.object({
  event: z.enum(['message', 'message.any']),
  session: gatewaySessionName,
  payload: z.looseObject({
    id: providerId.max(300),
    timestamp: z.number().optional(),
    from: jid,
    fromMe: z.boolean().optional(),
    participant: jid.nullish(),
    body: z.string().max(65_536).nullish(),
    hasMedia: z.boolean().optional(),
    media: z
      .looseObject({
        url: z.string().max(4096).nullish(),
        mimetype: z.string().max(255).nullish(),
        filename: z.string().max(1024).nullish(),
      })
      .nullish(),
    // The push name lives in the engine's raw message: WEBJS `notifyName`, NOWEB `pushName`.
    _data: z
      .looseObject({ notifyName: z.string().max(256).nullish(), pushName: z.string().max(256).nullish() })
      .nullish(),
  }),
});

function mediaType(mimetype: string | null | undefined): string {
  const top = (mimetype ?? '').split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'document';
}

export function normaliseWahaMessage(
  body: z.infer<typeof wahaMessageEvent>,
  now = new Date(),
): GatewayInbound {
  const p = body.payload;
  const skip = (ignored: string): GatewayInbound => ({
    gatewaySessionId: body.session,
    message: null,
    ignored,
  });
  if (p.fromMe === true) return skip('own message');
  if (isStatusBroadcast(p.from)) return skip('status broadcast');
  const author = isGroupJid(p.from) && p.participant ? p.participant : p.from;
  const media = p.hasMedia ? (p.media ?? {}) : null;
  return {
    gatewaySessionId: body.session,
    message: {
      provider: WHATSAPP_WEB_PROVIDER,
      providerMessageId: p.id,
      recipientAccountId: body.session,
      from: senderAddress(author),
      fromName: p._data?.notifyName ?? p._data?.pushName ?? null,
      at: gatewayTime(p.timestamp, now),
      type: media ? mediaType(media.mimetype) : 'text',
      text: p.body ? p.body : null,
      content: { chatId: p.from, ...(media ? { media } : {}) },
    },
  };
}
