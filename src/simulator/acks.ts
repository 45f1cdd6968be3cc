import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { SentMessage, SimSession, SimulatorState } from './simulator-state';

/** What the recipient's phone did with a message, in the order WhatsApp reports it. */
export const ACK_LEVELS = ['sent', 'delivered', 'read', 'failed'] as const;
export type AckLevel = (typeof ACK_LEVELS)[number];

/** WAHA `WAMessageAck` (`enums.dto.ts`): the level and its name. */
const WAHA_ACK: Record<AckLevel, [number, string]> = {
  failed: [-1, 'ERROR'],
  sent: [1, 'SERVER'],
  delivered: [2, 'DEVICE'],
  read: [3, 'READ'],
};

/** Evolution `messages.update` status (`utils/renderStatus.ts`). */
const EVOLUTION_STATUS: Record<AckLevel, string> = {
  failed: 'ERROR',
  sent: 'SERVER_ACK',
  delivered: 'DELIVERY_ACK',
  read: 'READ',
};

/** The subscription an acknowledgement needs (WAHA `config.webhooks[].events`, Evolution `webhook.events`). */
const ACK_EVENT = { waha: 'message.ack', evolution: 'MESSAGES_UPDATE' } as const;

/**
 * The webhook body the session's gateway posts when message `m` reaches `level`: WAHA `message.ack`
 * (`WAHAWebhookMessageAck`, payload `WAMessageAckBody`), Evolution `messages.update`
 * (`webhook.controller.ts` envelope, data as in `whatsapp.baileys.service.ts`); null for the seed
 * gateway, which reports no acknowledgements.
 */
export function ackWebhookBody(s: SimSession, m: SentMessage, level: AckLevel, now = new Date()): unknown {
  switch (s.dialect) {
    case 'waha': {
      const [ack, ackName] = WAHA_ACK[level];
      const me = `${s.me}@c.us`;
      return {
        id: `evt_${randomBytes(12).toString('hex')}`,
        timestamp: now.getTime(),
        event: 'message.ack',
        session: s.id,
        metadata: {},
        me: { id: me, pushName: 'Simulator' },
        engine: 'NOWEB',
        environment: { version: '2024.10.8', engine: 'NOWEB', tier: 'PLUS' },
        payload: { id: m.messageId, from: me, to: m.chat, participant: null, fromMe: true, ack, ackName },
      };
    }
    case 'evolution':
      return {
        event: 'messages.update',
        instance: s.id,
        data: {
          keyId: m.messageId,
          remoteJid: m.chat,
          fromMe: true,
          status: EVOLUTION_STATUS[level],
          instanceId: s.id,
          messageId: `sim${m.messageId.toLowerCase()}`,
        },
        destination: s.webhook?.url,
        date_time: now.toISOString(),
        sender: `${s.me}@s.whatsapp.net`,
        server_url: 'http://gateway-simulator',
        apikey: s.token,
      };
    case 'seed':
      return null;
  }
}

/** Whether the session's gateway posts acknowledgements to its webhook (and the subscription lists them). */
export function acknowledges(s: SimSession): boolean {
  if (s.dialect === 'seed') return false;
  const events = s.webhook?.events;
  return !events || events.includes(ACK_EVENT[s.dialect]);
}

/**
 * Posts `levels` for message `m` in order, each one delivered (with the gateway's attempts) before
 * the next, `delayMs` before each; resolves with each delivery's HTTP status.
 */
export async function postAcks(
  state: SimulatorState,
  s: SimSession,
  m: SentMessage,
  levels: readonly AckLevel[],
  delayMs = 0,
): Promise<Array<{ level: AckLevel; status: number | null }>> {
  const out: Array<{ level: AckLevel; status: number | null }> = [];
  for (const level of levels) {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs).unref());
    out.push({ level, status: await state.deliverNow(s, ackWebhookBody(s, m, level)) });
  }
  return out;
}

/** After a WAHA or Evolution send: the recipient's phone gets and reads it, at `ackDelayMs` a step. */
export function acknowledgeLater(state: SimulatorState, s: SimSession, m: SentMessage): void {
  const delay = state.opts.ackDelayMs;
  if (delay === null || delay === undefined || !acknowledges(s)) return;
  void postAcks(state, s, m, ['sent', 'delivered', 'read'], Math.max(1, delay));
}

const ackRequest = z.object({
  messageId: z.string().min(1).max(300),
  /** The steps to post, in order (default sent → delivered → read). */
  acks: z.array(z.enum(ACK_LEVELS)).min(1).max(10).default(['sent', 'delivered', 'read']),
});
export type AckRequest = z.input<typeof ackRequest>;

/**
 * `POST /simulator/sessions/:id/acks {messageId, acks?}`: the recipient's phone acknowledges a message
 * the session sent, now — each step posted to the session's webhook in its gateway's shape and
 * delivered before the next; answers each delivery's HTTP status. For tests that want the steps
 * at a moment of their choosing (`ackDelayMs: null`).
 */
export function ackRoutes(state: SimulatorState): Router {
  const r = Router();
  r.post('/simulator/sessions/:id/acks', async (req, res) => {
    const parsed = ackRequest.safeParse(req.body ?? {});
    if (!parsed.success) return res.status(400).json({ status: 'error', message: parsed.error.message });
    const s = state.resolve(String(req.params.id));
    if (!s) return res.status(404).json({ status: 'error', message: 'Session not found' });
    const m = state.messages.find((x) => x.sessionId === s.id && x.messageId === parsed.data.messageId);
    if (!m) return res.status(404).json({ status: 'error', message: 'Message not found' });
    if (!acknowledges(s))
      return res.status(409).json({
        status: 'error',
        message: `The ${s.dialect} session posts no acknowledgements (seed gateway, or not subscribed)`,
      });
    const deliveries = await postAcks(state, s, m, parsed.data.acks);
    res.json({ status: 'success', sessionId: s.id, messageId: m.messageId, deliveries });
  });
  return r;
}
