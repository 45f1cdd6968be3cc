import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { SimSession, SimulatorState } from './simulator-state';

export const INBOUND_DIALECTS = ['seed', 'legacy', 'waha', 'evolution'] as const;
export type InboundDialect = (typeof INBOUND_DIALECTS)[number];

const inboundBody = z.object({
  from: z.string().min(1).max(200),
  text: z.string().max(65_536),
  /** Whose webhook shape: the seed v1.2.0 `message.received` (default), its older `new-message`, WAHA or Evolution. */
  dialect: z.enum(INBOUND_DIALECTS).default('seed'),
  /** An echo of our own send (WAHA `message.any`, Evolution `messages.upsert` with `fromMe: true`). */
  fromMe: z.boolean().default(false),
  name: z.string().max(256).optional(),
  /** The gateway's message id (default: a fresh Baileys-like one); the seed v1.2.0 event carries none. */
  messageId: z.string().min(1).max(100).optional(),
  /** Post the identical body this many times, in order, and answer each delivery's result. */
  repeat: z.number().int().min(1).max(5).optional(),
});
export type InboundRequest = z.input<typeof inboundBody>;

const jid = (from: string, domain: string) => (from.includes('@') ? from : `${from}@${domain}`);

/** The webhook body a gateway of `dialect` posts for a message received by session `s`. */
export function inboundWebhookBody(
  s: SimSession,
  r: z.output<typeof inboundBody>,
  now = new Date(),
): unknown {
  const id = r.messageId ?? `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
  const unix = Math.floor(now.getTime() / 1000);
  switch (r.dialect) {
    case 'seed':
      return {
        event: 'message.received',
        sessionId: s.id,
        data: { from: jid(r.from, 's.whatsapp.net'), text: r.text, type: 'conversation' },
        timestamp: now.toISOString(),
      };
    case 'legacy': {
      const remoteJid = jid(r.from, 's.whatsapp.net');
      return {
        event: 'new-message',
        sessionId: s.id,
        from: remoteJid,
        messageId: id,
        timestamp: unix,
        data: {
          key: { remoteJid, fromMe: false, id },
          message: { conversation: r.text },
          messageTimestamp: unix,
          pushName: r.name ?? null,
        },
      };
    }
    case 'waha': {
      const chatId = jid(r.from, 'c.us');
      return {
        event: r.fromMe ? 'message.any' : 'message',
        session: s.id,
        metadata: {},
        engine: 'NOWEB',
        payload: {
          id: `${r.fromMe}_${chatId}_${id}`,
          timestamp: unix,
          from: chatId,
          fromMe: r.fromMe,
          to: null,
          body: r.text,
          hasMedia: false,
          ack: 1,
          vCards: [],
          _data: { pushName: r.name ?? null },
        },
      };
    }
    case 'evolution':
      return {
        event: 'messages.upsert',
        instance: s.id,
        data: {
          key: { remoteJid: jid(r.from, 's.whatsapp.net'), fromMe: r.fromMe, id },
          pushName: r.name ?? null,
          status: r.fromMe ? 'PENDING' : 'DELIVERY_ACK',
          message: { conversation: r.text },
          messageType: 'conversation',
          messageTimestamp: unix,
          instanceId: s.id,
          source: 'android',
        },
        date_time: now.toISOString(),
        sender: `${s.id}@s.whatsapp.net`,
        server_url: 'http://gateway-simulator',
        apikey: s.token,
      };
  }
}

/**
 * `POST /simulator/sessions/:id/inbound {from, text, dialect?, fromMe?, name?, messageId?, repeat?}`:
 * someone writes to the session's number. The event goes to the session's webhook like the
 * gateway's own (3 attempts), or — with `repeat` — N times in a row, answering each result.
 */
export function inboundRoutes(state: SimulatorState): Router {
  const r = Router();
  r.post('/simulator/sessions/:id/inbound', async (req, res) => {
    const parsed = inboundBody.safeParse(req.body ?? {});
    if (!parsed.success) return res.status(400).json({ status: 'error', message: parsed.error.message });
    const input = parsed.data;
    if (input.fromMe && (input.dialect === 'seed' || input.dialect === 'legacy'))
      return res
        .status(400)
        .json({ status: 'error', message: 'the seed gateway never reports its own messages' });
    const s = state.resolve(String(req.params.id));
    if (!s) return res.status(404).json({ status: 'error', message: 'Session not found' });
    if (s.status !== 'CONNECTED')
      return res.status(409).json({ status: 'error', message: `Session ${s.id} is not connected` });
    const body = inboundWebhookBody(s, input);
    if (input.repeat === undefined) {
      if (!state.deliver(s, body))
        return res.status(409).json({ status: 'error', message: 'No webhook configured' });
      return res.json({ status: 'success', sessionId: s.id, body });
    }
    const deliveries: Array<{ status: number; data: unknown }> = [];
    for (let i = 0; i < input.repeat; i++) {
      const answer = await state.post(s, body);
      if (!answer) return res.status(409).json({ status: 'error', message: 'No webhook configured' });
      deliveries.push(answer);
    }
    res.json({ status: 'success', sessionId: s.id, body, deliveries });
  });
  return r;
}
