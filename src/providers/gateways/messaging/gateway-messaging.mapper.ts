import { ProviderError } from '../../errors';
import type { OutboundMessage } from '../../types';

/** One element of the seed gateway's `POST /api/v1/messages` array. */
export function toGatewayMessage(msg: OutboundMessage): Record<string, unknown> {
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
      throw new ProviderError('invalid_request', `The WhatsApp Web gateway cannot send ${c.type} messages`, {
        provider: 'whatsapp_web',
      });
  }
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
