import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundMessageEvent, MessageStatusEvent } from '../../domain/message';
import { storableString, truncateText } from '../../domain/storable';

import { one, twilioSidOf, type TwilioParams } from './twilio-webhook.schema';

export { checkTwilioWebhook, type TwilioParams } from './twilio-webhook.schema';

/** Provider text passed on to other records (an error message, a profile name): storable and short. */
const text = (v: string | undefined, max: number): string | undefined =>
  v ? truncateText(storableString(v), max).text : undefined;

/** `whatsapp:+14155238886` → `14155238886`. */
const twilioAddressDigits = (address: string | undefined): string =>
  (address ?? '').replace(/^whatsapp:/i, '').replace(/\D/g, '');

/**
 * `X-Twilio-Signature` as twilio-node's getExpectedTwilioSignature computes it
 * (twilio/twilio-node src/webhooks/webhooks.ts): the URL Twilio called, normalised by WHATWG URL,
 * then each POST parameter sorted by name as `name + value` (a repeated name: its distinct values
 * sorted, each as `name + value`), HMAC-SHA1 with the auth token over the UTF-8 bytes, base64.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  return signExact(authToken, new URL(url).toString(), params);
}

/** The signature over this exact URL string (WHATWG URL would drop an explicit default port). */
function signExact(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    if (v === undefined) continue;
    const values = Array.isArray(v) ? [...new Set(v)].sort() : [v];
    for (const value of values) data += key + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The URL with the scheme's default port written out (`https://h:443/p`), as twilio-node's addPort does. */
function withDefaultPort(u: URL): string {
  if (u.port) return u.toString();
  const port = u.protocol === 'https:' ? ':443' : ':80';
  const auth = u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `${u.protocol}//${auth}${u.host}${port}${u.pathname}${u.search}${u.hash}`;
}

/**
 * True when `header` is the signature of this request. As twilio-node's validateRequest intends,
 * the URL is tried without and with an explicit default port (Twilio's signing is inconsistent
 * about it); the `:443`/`:80` form is signed as written, since WHATWG URL would drop it again.
 * Constant-time compare; a missing header fails.
 */
export function verifyTwilioSignature(
  authToken: string,
  header: unknown,
  url: string,
  params: TwilioParams,
): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const given = Buffer.from(header, 'utf8');
  let ok = false;
  // WHATWG URL already dropped a default port written in `url`: toString() is the port-less form.
  for (const candidate of [parsed.toString(), withDefaultPort(parsed)]) {
    const expected = Buffer.from(signExact(authToken, candidate, params), 'utf8');
    // Both candidates are always checked: the time taken does not say which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/**
 * The URL Twilio signed: our public webhook URL plus the query string it was called with (a send's
 * `StatusCallback` carries `?ref=<tenant>:<messageId>`), exactly as received.
 */
export function twilioWebhookUrl(publicBaseUrl: string, originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/twilio${q >= 0 ? originalUrl.slice(q) : ''}`;
}

/** Status callback (`MessageStatus` of a message we sent) or an inbound message (`received`). */
export function twilioWebhookKind(p: TwilioParams): 'status' | 'inbound' {
  const status = one(p, 'MessageStatus');
  if (status === undefined || status === 'received') return 'inbound';
  return 'status';
}

/** Our number: `From` of a status callback (we sent it), `To` of an inbound message. */
export const twilioOurNumber = (p: TwilioParams): string =>
  twilioAddressDigits(one(p, twilioWebhookKind(p) === 'status' ? 'From' : 'To'));

const STATUS_MAP: Record<string, MessageStatusEvent['status']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
};

/**
 * A status callback → canonical event; null for statuses that say nothing new (queued, accepted,
 * sending, scheduled, canceled…). Twilio carries no event time: `at` is when we received it.
 */
export function normaliseTwilioStatus(p: TwilioParams): MessageStatusEvent | null {
  const raw = one(p, 'MessageStatus');
  const sid = twilioSidOf(p);
  const status = raw !== undefined && Object.hasOwn(STATUS_MAP, raw) ? STATUS_MAP[raw] : undefined;
  if (!status || !sid) return null;
  const ev: MessageStatusEvent = { status, providerMessageId: sid, at: new Date().toISOString() };
  if (status === 'failed') {
    const code = text(one(p, 'ErrorCode'), 64);
    ev.error = {
      code,
      message: text(one(p, 'ErrorMessage'), 1024) ?? (code ? `Twilio error ${code}` : `Twilio status ${raw}`),
    };
  }
  return ev;
}

/** `?ref=<tenant>:<messageId>` of a send's StatusCallback, when well formed. */
export function parseTwilioRef(ref: unknown): { tenantId: string; messageId: string } | null {
  const m =
    typeof ref === 'string' ? /^([a-z0-9][a-z0-9_-]{0,62}):(msg_[A-Za-z0-9_-]{10,64})$/.exec(ref) : null;
  return m ? { tenantId: m[1] as string, messageId: m[2] as string } : null;
}

const MEDIA_KINDS = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const mediaKindOf = (contentType: string | undefined): string => {
  const major = (contentType ?? '').split('/')[0] ?? '';
  return ['image', 'video', 'audio'].includes(major) ? major : 'document';
};

/**
 * An inbound message (Twilio's incoming-message webhook: Body, NumMedia/MediaUrlN/MediaContentTypeN,
 * ButtonPayload/ButtonText, Latitude/Longitude/Address/Label, ListId/ListTitle, ProfileName, WaId,
 * MessageType) → canonical event; its type is Twilio's MessageType when given, else read from the
 * fields present. Null without a message SID or our number.
 */
export function normaliseTwilioInbound(p: TwilioParams): InboundMessageEvent | null {
  const sid = twilioSidOf(p);
  const to = twilioAddressDigits(one(p, 'To'));
  if (!sid || !to) return null;
  const body = one(p, 'Body') ?? '';
  const media: { url: string; contentType: string | null }[] = [];
  const numMedia = Math.min(Number(one(p, 'NumMedia') ?? 0) || 0, 10);
  for (let i = 0; i < numMedia; i++) {
    const url = one(p, `MediaUrl${i}`);
    if (url) media.push({ url, contentType: one(p, `MediaContentType${i}`) ?? null });
  }
  const [lat, lon] = [one(p, 'Latitude'), one(p, 'Longitude')];
  const [listId, buttonPayload, buttonText] = [
    one(p, 'ListId'),
    one(p, 'ButtonPayload'),
    one(p, 'ButtonText'),
  ];
  let derived: string;
  let content: Record<string, unknown>;
  if (lat && lon) {
    derived = 'location';
    content = { latitude: Number(lat), longitude: Number(lon) };
    if (one(p, 'Label')) content.name = one(p, 'Label');
    if (one(p, 'Address')) content.address = one(p, 'Address');
  } else if (listId) {
    derived = 'interactive';
    content = { type: 'list_reply', list_reply: { id: listId, title: one(p, 'ListTitle') ?? null } };
  } else if (buttonPayload || buttonText) {
    derived = 'button';
    content = { payload: buttonPayload ?? null, text: buttonText ?? null };
  } else if (media.length > 0) {
    derived = mediaKindOf(media[0]?.contentType ?? undefined);
    content = { media, ...(body ? { caption: body } : {}) };
  } else {
    derived = 'text';
    content = { body };
  }
  const declared = one(p, 'MessageType')?.toLowerCase();
  const type = declared && (declared !== 'text' || derived === 'text') ? declared : derived;
  if (MEDIA_KINDS.has(type) && !('media' in content)) content.media = media;
  return {
    provider: 'twilio',
    providerMessageId: sid,
    recipientAccountId: to,
    from: one(p, 'WaId') ?? twilioAddressDigits(one(p, 'From')),
    fromName: text(one(p, 'ProfileName'), 256) ?? null,
    at: new Date().toISOString(),
    type,
    text: type === 'text' ? body : null,
    content,
  };
}
