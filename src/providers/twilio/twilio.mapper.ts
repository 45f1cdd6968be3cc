import type { MessageType } from '../../domain/message';
import { ProviderError } from '../errors';
import type { OutboundMessage } from '../types';
import type { TwilioCreateMessageForm } from './twilio.types';

/**
 * Our neutral content → Twilio's form (reference/official-platform.md C). What Twilio can carry:
 * - text → `Body` (`previewUrl` has no Twilio equivalent and is ignored). Twilio caps Body at 1600
 *   characters (it answers 21617 beyond; classified invalid_request).
 * - image / video / audio / document → `MediaUrl` (one media per WhatsApp message). Only `link`:
 *   Twilio fetches a URL, it cannot use a Meta media id. An image/video caption goes in `Body`
 *   (Twilio sends Body with the media). Twilio "does not support setting a filename or caption for
 *   documents" (twilio.com/docs/whatsapp/guidance-whatsapp-media-messages): a document caption is
 *   refused rather than silently lost; a filename is dropped (the document keeps its URL's name).
 * - location → `PersistentAction=geo:<lat>,<long>|<label>` with `Body` (Twilio WhatsApp location
 *   messages): label = address, else name; Body = name, else address, else the coordinates.
 * - template → a Twilio Content template: `template.name` must be its Content SID (`HX` + 32 hex;
 *   the SID fixes the language, so `language` is not sent). Variables go in the body component:
 *   its parameters are numbered `{"1":…,"2":…}` in order, or keyed by `parameter_name` when given;
 *   text parameters give `text`, currency/date_time their `fallback_value`. Parameters of other
 *   components (header, buttons) have no place in a Content template send and are refused.
 * - interactive buttons / lists are Content templates on Twilio (twilio/quick-reply, list-picker):
 *   not supported — send them as templates. The API answers 422 unsupported_message_type.
 */
export const TWILIO_SUPPORTED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'location',
  'template',
]);

const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

const refuse = (code: string, message: string) =>
  new ProviderError('invalid_request', message, { provider: 'twilio', code });

/** `16505551234` → `whatsapp:+16505551234` */
const whatsappAddress = (digits: string) => `whatsapp:+${digits.replace(/\D/g, '')}`;

export function toTwilioForm(
  msg: OutboundMessage,
  fromDigits: string,
  statusCallback: string,
): TwilioCreateMessageForm {
  const base = { To: whatsappAddress(msg.to), From: whatsappAddress(fromDigits) };
  const c = msg.content;
  let content: Omit<TwilioCreateMessageForm, 'To' | 'From' | 'StatusCallback'>;
  switch (c.type) {
    case 'text':
      content = { Body: c.text.body };
      break;
    case 'image':
    case 'video':
    case 'audio':
    case 'document': {
      const m = (c as unknown as Record<string, { link?: string; id?: string; caption?: string }>)[c.type];
      if (!m?.link)
        throw refuse(
          'media_id_unsupported',
          `Twilio needs a media link; a media id cannot be sent (${c.type})`,
        );
      if (c.type === 'document' && m.caption !== undefined)
        throw refuse('document_caption_unsupported', 'Twilio cannot send a caption with a document');
      content = m.caption === undefined ? { MediaUrl: m.link } : { Body: m.caption, MediaUrl: m.link };
      break;
    }
    case 'location': {
      const { latitude, longitude, name, address } = c.location;
      const label = address ?? name;
      content = {
        Body: name ?? address ?? `${latitude},${longitude}`,
        PersistentAction: `geo:${latitude},${longitude}${label === undefined ? '' : `|${label}`}`,
      };
      break;
    }
    case 'template':
      content = templateFields(c.template);
      break;
    default:
      throw refuse('unsupported_message_type', `Twilio senders cannot send ${c.type} messages`);
  }
  return { ...base, ...content, StatusCallback: statusCallback };
}

type Template = Extract<OutboundMessage['content'], { type: 'template' }>['template'];

function templateFields(t: Template): Pick<TwilioCreateMessageForm, 'ContentSid' | 'ContentVariables'> {
  if (!CONTENT_SID.test(t.name))
    throw refuse(
      'template_not_content_sid',
      'Twilio senders send Content templates: template.name must be a Content SID (HX…)',
    );
  const vars: Record<string, string> = {};
  let n = 0;
  for (const component of t.components ?? []) {
    if (!component.parameters?.length) continue;
    if (component.type !== 'body')
      throw refuse(
        'template_parameter_unsupported',
        `Twilio Content variables go in the body component (got ${component.type} parameters)`,
      );
    for (const p of component.parameters) {
      n += 1;
      const key = typeof p.parameter_name === 'string' && p.parameter_name ? p.parameter_name : String(n);
      vars[key] = variableValue(p);
    }
  }
  return n === 0 ? { ContentSid: t.name } : { ContentSid: t.name, ContentVariables: JSON.stringify(vars) };
}

function variableValue(p: Record<string, unknown> & { type: string }): string {
  if (p.type === 'text' && typeof p.text === 'string') return p.text;
  const fallback = (p[p.type] as { fallback_value?: unknown } | undefined)?.fallback_value;
  if ((p.type === 'currency' || p.type === 'date_time') && typeof fallback === 'string') return fallback;
  throw refuse('template_parameter_unsupported', `Twilio Content variables take text values (got ${p.type})`);
}

/** The form body, fields in the order above (stable bytes on the wire). */
export function encodeTwilioForm(form: TwilioCreateMessageForm): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) params.append(k, v);
  return params.toString();
}
