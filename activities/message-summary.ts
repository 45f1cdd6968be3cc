import type { MessageContent } from '../src/schemas/message-content.schema';

/** The seed's `message_content` (text, caption or a label) and `media_data` for one message. */
export function summarise(c: MessageContent): { text: string; media: Record<string, unknown> | null } {
  switch (c.type) {
    case 'text':
      return { text: c.text.body, media: null };
    case 'image':
    case 'video':
      return {
        text: (c.type === 'image' ? c.image : c.video).caption ?? '',
        media: { ...(c.type === 'image' ? c.image : c.video) },
      };
    case 'audio':
      return { text: '', media: { ...c.audio } };
    case 'document':
      return { text: c.document.caption ?? '', media: { ...c.document, original_name: c.document.filename } };
    case 'location':
      return { text: c.location.name ?? `${c.location.latitude},${c.location.longitude}`, media: null };
    case 'template':
      return { text: `template:${c.template.name}`, media: null };
    case 'interactive_buttons':
      return { text: c.interactive_buttons.body, media: null };
    case 'interactive_list':
      return { text: c.interactive_list.body, media: null };
  }
}
