import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import type { MessageType } from '../../../domain/message';
import { ProviderError } from '../../errors';
import type { OutboundMessage } from '../../types';
import { defined } from '../shared/wire';

/** The seed contract sends text, image and document only (reference/gateways.md §4). */
export const SEED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['text', 'image', 'document']);

/** One element of the seed gateway's `POST /api/v1/messages` array. */
export function toSeedMessage(msg: OutboundMessage): Record<string, unknown> {
  const base = { recipient_type: 'individual', to: msg.to };
  const c = msg.content;
  switch (c.type) {
    case 'text':
      return { ...base, type: 'text', text: { body: c.text.body } };
    case 'image':
      return {
        ...base,
        type: 'image',
        image: defined({ link: c.image.link, id: c.image.id, caption: c.image.caption }),
      };
    case 'document':
      return {
        ...base,
        type: 'document',
        document: defined({
          link: c.document.link,
          id: c.document.id,
          filename: c.document.filename,
          caption: c.document.caption,
        }),
      };
    default:
      // The API refuses these with 422 before a workflow starts; reaching here is a bug.
      throw new ProviderError('invalid_request', `The seed gateway cannot send ${c.type} messages`, {
        provider: WHATSAPP_WEB_PROVIDER,
      });
  }
}

/** The seed's answer: one `{status, message, messageId}` per message sent. */
export function seedMessageId(data: unknown): { id: string } | { error: string } {
  const first = (Array.isArray(data) ? data[0] : data) as
    { status?: string; message?: string; messageId?: string } | undefined;
  if (first?.status === 'success' && typeof first.messageId === 'string' && first.messageId !== '')
    return { id: first.messageId };
  return { error: first?.message ?? 'no message id in the answer' };
}
