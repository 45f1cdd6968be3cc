import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import type { MessageType } from '../../../domain/message';
import { ProviderError } from '../../errors';
import { readPlainError, type ReadErrorAnswer } from '../../http/call';
import type { OutboundMessage } from '../../types';
import { isGroupJid, jidUser } from '../shared/jid';
import { gatewayMedia } from '../shared/media';
import { defined } from '../shared/wire';
import type { WahaSendAnswer } from './waha.types';

/**
 * What WAHA sends (`src/api/chatting.controller.ts`, DTOs in `chatting.dto.ts`; gateways.md §1.4).
 * Image and document are WAHA Plus: Core answers 422 "available only in Plus version".
 */
export const WAHA_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'text',
  'image',
  'document',
  'location',
]);

/** One send: `POST {path}` with `body`; every body names the `session` and the `chatId` (`<digits>@c.us`). */
export function toWahaRequest(
  msg: OutboundMessage,
  session: string,
): { path: string; body: Record<string, unknown> } {
  const base = { session, chatId: `${msg.to}@c.us` };
  const c = msg.content;
  switch (c.type) {
    case 'text':
      return { path: '/api/sendText', body: { ...base, text: c.text.body } };
    case 'image': {
      const f = gatewayMedia('WAHA', c.image, 'image.jpg', 'image/jpeg');
      return {
        path: '/api/sendImage',
        body: defined({
          ...base,
          file: { mimetype: f.mimetype, filename: f.filename, url: f.url },
          caption: c.image.caption,
        }),
      };
    }
    case 'document': {
      const f = gatewayMedia('WAHA', c.document, 'document', 'application/octet-stream');
      return {
        path: '/api/sendFile',
        body: defined({
          ...base,
          file: { mimetype: f.mimetype, filename: f.filename, url: f.url },
          caption: c.document.caption,
        }),
      };
    }
    case 'location':
      // `MessageLocationRequest {latitude, longitude, title}`: WEBJS shows the title as the place's
      // name; there is no address field, so a location with only an address shows that.
      return {
        path: '/api/sendLocation',
        body: {
          ...base,
          latitude: c.location.latitude,
          longitude: c.location.longitude,
          title: c.location.name ?? c.location.address ?? '',
        },
      };
    default:
      // The API refuses these with 422 before a workflow starts; reaching here is a bug.
      throw new ProviderError('invalid_request', `WAHA cannot send ${c.type} messages`, {
        provider: WHATSAPP_WEB_PROVIDER,
      });
  }
}

/**
 * The message id of a send's answer, as WAHA's `message.ack` webhooks name it: the serialized
 * `{fromMe}_{chatId}_{id}`. Current releases answer a WAMessage with that `id`; 2024.10 engines
 * answered their raw message — WEBJS `id._serialized`, NOWEB Baileys `key`, serialized here the way
 * WAHA's `buildMessageId` does (`session.noweb.core.ts`: chat JID in `@c.us` form).
 */
export function wahaMessageId(data: WahaSendAnswer | undefined): string | null {
  const id = data?.id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'object' && id && typeof id._serialized === 'string' && id._serialized !== '')
    return id._serialized;
  const key = data?.key;
  if (key && typeof key.id === 'string' && key.id !== '' && typeof key.remoteJid === 'string') {
    const chat = isGroupJid(key.remoteJid) ? key.remoteJid : `${jidUser(key.remoteJid)}@c.us`;
    return `${key.fromMe === false ? 'false' : 'true'}_${chat}_${key.id}`;
  }
  return null;
}

/**
 * WAHA's error answers (NestJS; `manager.abc.ts`, `exceptions.ts`, `AllExceptionsFilter.ts`):
 * 422 "Session status is not as expected" while the session is not WORKING (it may come back:
 * transient); 422 "available only in Plus version" (WAHA Core never sends media: permanent); 404 a
 * session it does not know (permanent); 500 an engine failure, its text in `exception.message`.
 */
export const readWahaError: ReadErrorAnswer = (status, body) => {
  const o = (typeof body === 'object' && body !== null ? body : {}) as {
    error?: unknown;
    message?: unknown;
    status?: unknown;
    exception?: { message?: unknown };
  };
  const text = [o.message, o.error].filter((t): t is string => typeof t === 'string').join(' ');
  if (status === 422 && /session status is not as expected/i.test(text))
    return {
      kind: 'transient',
      code: 'session_not_working',
      message: `session is ${typeof o.status === 'string' ? o.status.slice(0, 32) : 'not WORKING'}`,
      details: text.slice(0, 300),
    };
  if (status === 422 && /only in plus/i.test(text))
    return { kind: 'permanent', code: 'plus_only', message: text.slice(0, 300) };
  if (status === 404) return { kind: 'permanent', code: '404', message: 'does not know this session' };
  if (status >= 500 && typeof o.exception?.message === 'string')
    return { code: String(status), message: `HTTP ${status} ${o.exception.message.slice(0, 300)}` };
  // A 429 (a proxy in front: neither gateway limits itself) without Retry-After waits a minute, as the seed's.
  return { ...readPlainError(status, body), wait: 60_000 };
};
