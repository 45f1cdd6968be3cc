import { Router, type Response } from 'express';
import { acknowledgeLater } from './acks';
import { evolutionApiKey, notFound } from './evolution-dialect.routes';
import type { SimulatorState } from './simulator-state';

type Body = Record<string, unknown>;

/** Evolution's `BadRequestException` answer (`exceptions/400.exception.ts`, `main.ts`). */
const badRequest = (res: Response, message: unknown) =>
  res.status(400).json({ status: 400, error: 'Bad Request', response: { message: [message] } });

const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);
const isBase64 = (v: unknown) => typeof v === 'string' && v.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v);

/** `validate/message.schema.ts` (jsonschema messages) and the controller's own checks; a message or null. */
const CHECKS: Record<string, (b: Body) => unknown> = {
  sendText: (b) => (typeof b.text === 'string' ? null : ['requires property "text"']),
  sendMedia: (b) => {
    if (!['image', 'document', 'video', 'audio'].includes(String(b.mediatype)))
      return ['mediatype is not one of enum values: image,document,video,audio'];
    return isUrl(b.media) || isBase64(b.media) ? null : 'Owned media must be a url or base64';
  },
  sendLocation: (b) => {
    const missing = ['latitude', 'longitude', 'name', 'address'].filter((k) => b[k] === undefined);
    if (missing.length > 0) return missing.map((k) => `requires property "${k}"`);
    return typeof b.latitude === 'number' && typeof b.longitude === 'number'
      ? null
      : ['latitude is not of a type(s) number'];
  },
};

/** The stored message's `message` and `messageType` (Baileys shapes) for a send's body. */
function stored(op: string, b: Body): { message: Body; messageType: string } {
  if (op === 'sendText') return { message: { conversation: b.text }, messageType: 'conversation' };
  if (op === 'sendLocation')
    return {
      message: {
        locationMessage: {
          degreesLatitude: b.latitude,
          degreesLongitude: b.longitude,
          name: b.name,
          address: b.address,
        },
      },
      messageType: 'locationMessage',
    };
  const type = `${String(b.mediatype)}Message`;
  const media = { url: b.media, mimetype: b.mimetype ?? 'application/octet-stream', caption: b.caption };
  return {
    message: { [type]: b.mediatype === 'document' ? { ...media, fileName: b.fileName } : media },
    messageType: type,
  };
}

/**
 * Evolution API v2's sending (`sendMessage.router.ts`, gateways.md §2.4): `POST /message/sendText|
 * sendMedia|sendLocation/{instance}` with the global or the instance's `apikey` → 201 and the stored
 * message (`key.id` its id, status PENDING); a number that is not 6-15 digits is "not on WhatsApp"
 * (`[{jid, exists: false, number}]`); an instance not open fails on its socket ("Connection Closed").
 * The send is then acknowledged by `messages.update` webhooks (acks.ts).
 */
export function evolutionMessagesRoutes(state: SimulatorState): Router {
  const r = Router();
  r.use('/message', evolutionApiKey(state));
  for (const [op, check] of Object.entries(CHECKS)) {
    r.post(`/message/${op}/:name`, (req, res) => {
      const name = String(req.params.name);
      const s = state.sessions.get(name);
      if (!s || s.dialect !== 'evolution') return res.status(404).json(notFound(name));
      const b = (req.body ?? {}) as Body;
      if (typeof b.number !== 'string') return badRequest(res, ['requires property "number"']);
      const problem = check(b);
      if (problem) return badRequest(res, problem);
      const number = b.number.replace(/@s\.whatsapp\.net$/, '');
      const remoteJid = `${number}@s.whatsapp.net`;
      if (!/^\d{6,15}$/.test(number)) return badRequest(res, { jid: remoteJid, exists: false, number });
      if (s.status !== 'CONNECTED') return badRequest(res, 'Error: Connection Closed');
      const sent = state.recordMessage(s.id, b, { chat: remoteJid });
      res.status(201).json({
        key: { remoteJid, fromMe: true, id: sent.messageId },
        pushName: '',
        status: 'PENDING',
        ...stored(op, b),
        contextInfo: null,
        messageTimestamp: Math.floor(Date.now() / 1000),
        instanceId: s.id,
        source: 'unknown',
      });
      acknowledgeLater(state, s, sent);
    });
  }
  return r;
}
