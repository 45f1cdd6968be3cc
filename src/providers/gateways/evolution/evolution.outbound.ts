import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import type { MessageType } from '../../../domain/message';
import { ProviderError } from '../../errors';
import { readPlainError, type ReadErrorAnswer } from '../../http/call';
import type { OutboundMessage } from '../../types';
import { gatewayMedia } from '../shared/media';
import { defined } from '../shared/wire';
import type { EvolutionSendAnswer } from './evolution.types';

/** What Evolution API v2 sends (`sendMessage.router.ts`, schemas in `validate/message.schema.ts`; gateways.md §2.4). */
export const EVOLUTION_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'text',
  'image',
  'document',
  'location',
]);

/** One send: `POST /message/<op>/{instance}` with `body`; `number` is the recipient's digits. */
export function toEvolutionRequest(
  msg: OutboundMessage,
  instance: string,
): { path: string; body: Record<string, unknown> } {
  const at = (op: string) => `/message/${op}/${encodeURIComponent(instance)}`;
  const number = msg.to;
  const c = msg.content;
  switch (c.type) {
    case 'text':
      return { path: at('sendText'), body: { number, text: c.text.body } };
    case 'image':
    case 'document': {
      const [part, name] =
        c.type === 'image' ? ([c.image, 'image.jpg'] as const) : ([c.document, 'document'] as const);
      // `media` is a URL or base64; without `mimetype` Evolution finds it (file name, else the file).
      const f = gatewayMedia('Evolution API', part, name, undefined);
      return {
        path: at('sendMedia'),
        body: defined({
          number,
          mediatype: c.type,
          mimetype: f.mimetype,
          caption: part.caption,
          fileName: f.filename,
          media: f.url,
        }),
      };
    }
    case 'location':
      // `locationMessageSchema` requires `name` and `address` (strings, empty allowed).
      return {
        path: at('sendLocation'),
        body: {
          number,
          latitude: c.location.latitude,
          longitude: c.location.longitude,
          name: c.location.name ?? '',
          address: c.location.address ?? '',
        },
      };
    default:
      // The API refuses these with 422 before a workflow starts; reaching here is a bug.
      throw new ProviderError('invalid_request', `Evolution API cannot send ${c.type} messages`, {
        provider: WHATSAPP_WEB_PROVIDER,
      });
  }
}

/** The answer (201) is the stored message; `key.id` is what `messages.update` names as `keyId`. */
export function evolutionMessageId(data: EvolutionSendAnswer | undefined): string | null {
  const id = data?.key?.id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * Evolution's error answers (`{status, error, response: {message: [...]}}`, `main.ts`): a recipient
 * not on WhatsApp is a 400 whose message is `[{jid, exists: false, number}]` (permanent); a send
 * that failed on the socket is a 400 carrying the Baileys error text ("Connection Closed", "Timed
 * Out": the session may come back, transient, `whatsapp.baileys.service.ts` sendMessageWithTyping);
 * 404 an instance it does not know (permanent).
 */
export const readEvolutionError: ReadErrorAnswer = (status, body) => {
  const said = (body as { response?: { message?: unknown } } | null)?.response?.message;
  const items: unknown[] = Array.isArray(said) ? said.flat() : [said];
  if (items.some((i) => typeof i === 'object' && i !== null && (i as { exists?: unknown }).exists === false))
    return { kind: 'permanent', code: 'not_on_whatsapp', message: 'the recipient is not on WhatsApp' };
  const text = items.filter((i): i is string => typeof i === 'string').join('; ');
  if (/connection closed|timed out|connection failure|not connected/i.test(text))
    return { kind: 'transient', code: 'connection_closed', message: `HTTP ${status} ${text.slice(0, 300)}` };
  if (status === 404) return { kind: 'permanent', code: '404', message: 'does not know this instance' };
  // A 429 (a proxy in front: neither gateway limits itself) without Retry-After waits a minute, as the seed's.
  return { ...readPlainError(status, body), wait: 60_000 };
};
