import type { OutboundMessage } from '../types';
import type { MetaMedia, MetaSendRequest } from './meta.types';

/** Our neutral content → the exact Cloud API body (`POST /{version}/{phone-number-id}/messages`). */
export function toMetaRequest(msg: OutboundMessage, callbackData: string): MetaSendRequest {
  const envelope = {
    messaging_product: 'whatsapp' as const,
    recipient_type: 'individual' as const,
    to: msg.to,
    biz_opaque_callback_data: callbackData,
  };
  const c = msg.content;
  switch (c.type) {
    case 'text':
      return {
        ...envelope,
        type: 'text',
        text:
          c.text.previewUrl === undefined
            ? { body: c.text.body }
            : { preview_url: c.text.previewUrl, body: c.text.body },
      };
    case 'image':
    case 'video':
    case 'audio':
    case 'document': {
      const m = (c as unknown as Record<string, MetaMedia>)[c.type] as MetaMedia;
      return { ...envelope, type: c.type, [c.type]: pick(m, ['id', 'link', 'caption', 'filename']) };
    }
    case 'location':
      return {
        ...envelope,
        type: 'location',
        location: pick(c.location, ['latitude', 'longitude', 'name', 'address']),
      };
    case 'template': {
      const t = c.template;
      const template: Record<string, unknown> = {
        name: t.name,
        language: { policy: 'deterministic', code: t.language },
      };
      if (t.components)
        template.components = t.components.map((k) =>
          pick({ type: k.type, sub_type: k.subType, index: k.index, parameters: k.parameters }, [
            'type',
            'sub_type',
            'index',
            'parameters',
          ]),
        );
      return { ...envelope, type: 'template', template };
    }
    case 'interactive_buttons': {
      const b = c.interactive_buttons;
      return {
        ...envelope,
        type: 'interactive',
        interactive: pick(
          {
            type: 'button',
            header: b.header,
            body: { text: b.body },
            footer: b.footer === undefined ? undefined : { text: b.footer },
            action: {
              buttons: b.buttons.map((x) => ({ type: 'reply', reply: { id: x.id, title: x.title } })),
            },
          },
          ['type', 'header', 'body', 'footer', 'action'],
        ),
      };
    }
    case 'interactive_list': {
      const l = c.interactive_list;
      return {
        ...envelope,
        type: 'interactive',
        interactive: pick(
          {
            type: 'list',
            header: l.header,
            body: { text: l.body },
            footer: l.footer === undefined ? undefined : { text: l.footer },
            action: {
              button: l.button,
              sections: l.sections.map((s) =>
                pick({ title: s.title, rows: s.rows.map((r) => pick(r, ['id', 'title', 'description'])) }, [
                  'title',
                  'rows',
                ]),
              ),
            },
          },
          ['type', 'header', 'body', 'footer', 'action'],
        ),
      };
    }
  }
}

/** Copies the listed keys that are defined, in that order (stable wire payloads, no `undefined`). */
function pick<T extends object>(obj: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
