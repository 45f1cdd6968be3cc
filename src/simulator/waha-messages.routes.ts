import { Router, type Response } from 'express';
import { acknowledgeLater } from './acks';
import type { SimulatorState } from './simulator-state';
import { WAHA_STATUS, wahaApiKey } from './waha-dialect.routes';

type Body = Record<string, unknown>;

const CHAT_ID = /^(\d{5,20}@c\.us|[\d-]{5,40}@g\.us)$/;

/** NestJS' validation answer (`WAHAValidationPipe`): 400 with the failed rules. */
const invalid = (res: Response, ...message: string[]) =>
  res.status(400).json({ statusCode: 400, message, error: 'Bad Request' });

function fileProblem(file: unknown): string | null {
  const f = file as { mimetype?: unknown; url?: unknown; data?: unknown } | undefined;
  if (typeof f !== 'object' || f === null) return 'file must be an object';
  if (typeof f.mimetype !== 'string' || f.mimetype === '') return 'file.mimetype must be a string';
  return typeof f.url === 'string' || typeof f.data === 'string' ? null : 'file.url or file.data is required';
}

/** What each send needs beyond `session` and `chatId` (`chatting.dto.ts`); an error text or null. */
const CHECKS: Record<string, (b: Body) => string | null> = {
  sendText: (b) => (typeof b.text === 'string' && b.text !== '' ? null : 'text must be a non-empty string'),
  sendImage: (b) => fileProblem(b.file),
  sendFile: (b) => fileProblem(b.file),
  sendLocation: (b) =>
    typeof b.latitude === 'number' && typeof b.longitude === 'number'
      ? null
      : 'latitude and longitude must be numbers',
};

/**
 * WAHA's sending (`chatting.controller.ts`, gateways.md §1.4): `POST /api/sendText|sendImage|sendFile|
 * sendLocation {session, chatId, …}` with X-Api-Key → 201 and the message (WAMessage, its `id` the
 * serialized `true_<chatId>_<key>`); 404 an unknown session, 422 one not WORKING. The send is then
 * acknowledged by `message.ack` webhooks (acks.ts).
 */
export function wahaMessagesRoutes(state: SimulatorState): Router {
  const r = Router();
  r.use('/api', wahaApiKey(state));
  for (const [op, check] of Object.entries(CHECKS)) {
    r.post(`/api/${op}`, (req, res) => {
      const b = (req.body ?? {}) as Body;
      const name = typeof b.session === 'string' ? b.session : 'default';
      const s = state.sessions.get(name);
      if (!s || s.dialect !== 'waha')
        return res.status(404).json({
          statusCode: 404,
          message: `We didn't find a session with name '${name}'. Please start it first by using POST /api/sessions/{session}/start request`,
          error: 'Not Found',
        });
      if (s.status !== 'CONNECTED')
        return res.status(422).json({
          error: 'Session status is not as expected. Try again later or restart the session',
          session: name,
          status: WAHA_STATUS[s.status],
          expected: ['WORKING'],
        });
      const chatId = typeof b.chatId === 'string' ? b.chatId : '';
      if (!CHAT_ID.test(chatId)) return invalid(res, 'chatId must be <digits>@c.us or a group id');
      const problem = check(b);
      if (problem) return invalid(res, problem);
      const id = `true_${chatId}_${state.newMessageKey()}`;
      const sent = state.recordMessage(s.id, b, { messageId: id, chat: chatId });
      const body = typeof b.text === 'string' ? b.text : typeof b.caption === 'string' ? b.caption : '';
      res.status(201).json({
        id,
        timestamp: Math.floor(Date.now() / 1000),
        from: `${s.me}@c.us`,
        fromMe: true,
        source: 'api',
        to: chatId,
        participant: null,
        body,
        hasMedia: op === 'sendImage' || op === 'sendFile',
        ack: 0,
        ackName: 'PENDING',
        _data: {},
      });
      acknowledgeLater(state, s, sent);
    });
  }
  return r;
}
