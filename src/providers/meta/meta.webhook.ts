import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccountAlertEvent, AccountAlertType } from '../../domain/account-alert';
import type { RejectedEntry } from '../../domain/dead-letter';
import {
  INBOUND_REFERENCE_KINDS,
  type InboundMessageEvent,
  type InboundReference,
  type InboundReferenceKind,
  type MessageStatusEvent,
} from '../../domain/message';
import { storableString, truncateText } from '../../domain/storable';
import { checkEntry, fieldOf, isoFromSeconds } from '../../schemas/webhook.schema';
import { parseStatusRef } from '../../security/status-ref';
import { isMetaAlertField, toMetaAccountAlert } from './meta.alerts';
import {
  metaAlertValue,
  metaChange,
  metaEntry,
  metaEnvelope,
  metaInboundMessage,
  metaMessagesValue,
  metaPhoneNumberId,
  metaStatus,
  metaWabaId,
} from './meta-webhook.schema';

/**
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` over the exact bytes
 * received (re-serialised JSON does not match: Meta escapes non-ASCII). Constant-time compare;
 * a missing header fails.
 */
export function verifyMetaSignature(
  rawBody: Buffer | undefined,
  header: unknown,
  appSecret: string,
): boolean {
  // Exactly 64 hex digits: Buffer.from(…, 'hex') would silently stop at the first non-hex pair.
  if (!rawBody || typeof header !== 'string' || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signMetaBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** Everything one Meta webhook carries, in our vocabulary, and the entries that could not be read. */
export interface MetaWebhookEvents {
  statuses: MessageStatusEvent[];
  inbound: InboundMessageEvent[];
  alerts: AccountAlertEvent[];
  rejected: RejectedEntry[];
}

const KNOWN = new Set(['sent', 'delivered', 'read', 'failed']);
/** Provider text we pass on to other records (an error's details, a contact's name), storable and short. */
const text = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0 ? truncateText(storableString(v), max).text : undefined;

/**
 * A Meta webhook notification (or 360dialog's forward of one: `provider`) → statuses, inbound
 * messages and account alerts; each entry, change, status, message and alert checked by its
 * schema (meta-webhook.schema.ts), those that fail returned as `rejected` with the ids that could
 * be read. A payload that is not a WhatsApp Business Account notification carries nothing for us.
 * Unknown statuses (`played`…) and change fields are skipped, not rejected.
 */
export function normaliseMetaWebhook(payload: unknown, provider = 'meta'): MetaWebhookEvents {
  const out: MetaWebhookEvents = { statuses: [], inbound: [], alerts: [], rejected: [] };
  if (fieldOf(payload, 'object') !== 'whatsapp_business_account') return out;
  const envelope = checkEntry(metaEnvelope, payload, { kind: 'body', checkDepth: false });
  if (!envelope.ok) return { ...out, rejected: [envelope.rejected] };
  for (const rawEntry of envelope.data.entry) {
    const wabaRead = metaWabaId.safeParse(fieldOf(rawEntry, 'id'));
    const wabaId = wabaRead.success ? wabaRead.data : undefined;
    const entry = checkEntry(metaEntry, rawEntry, {
      kind: 'entry',
      ids: { wabaId: fieldOf(rawEntry, 'id') },
      routing: { wabaId },
      checkDepth: false,
    });
    if (!entry.ok) {
      out.rejected.push(entry.rejected);
      continue;
    }
    for (const rawChange of entry.data.changes) {
      const change = checkEntry(metaChange, rawChange, {
        kind: 'change',
        ids: { wabaId },
        routing: { wabaId },
        checkDepth: false,
      });
      if (!change.ok) out.rejected.push(change.rejected);
      else if (isMetaAlertField(change.data.field))
        readAlert(out, change.data.field, change.data.value, entry.data.time, wabaId);
      else if (hasMessages(change.data.value)) readMessages(out, change.data.value, provider, wabaId);
    }
  }
  return out;
}

/** The statuses of a Meta webhook (see normaliseMetaWebhook). */
export const normaliseMetaStatuses = (payload: unknown): MessageStatusEvent[] =>
  normaliseMetaWebhook(payload).statuses;

const hasMessages = (value: unknown) =>
  fieldOf(value, 'statuses') !== undefined || fieldOf(value, 'messages') !== undefined;

function readAlert(
  out: MetaWebhookEvents,
  field: AccountAlertType,
  rawValue: unknown,
  time: unknown,
  wabaId: string | undefined,
): void {
  const change = { field, value: rawValue };
  const value = checkEntry(metaAlertValue, rawValue, { kind: 'alert', ids: { wabaId }, routing: { wabaId } });
  if (!value.ok) return void out.rejected.push({ ...value.rejected, entry: change });
  if (!wabaId) {
    const issues = [{ path: 'id', code: 'invalid_type', message: 'the entry names no readable WABA id' }];
    return void out.rejected.push({
      kind: 'alert',
      reason: 'invalid_entry',
      issues,
      providerIds: {},
      entry: change,
    });
  }
  out.alerts.push(toMetaAccountAlert(field, wabaId, time, value.data));
}

function readMessages(out: MetaWebhookEvents, rawValue: unknown, provider: string, wabaId?: string): void {
  const accountRead = metaPhoneNumberId.safeParse(fieldOf(fieldOf(rawValue, 'metadata'), 'phone_number_id'));
  const phoneNumberId = accountRead.success ? accountRead.data : undefined;
  const routing = { phoneNumberId, wabaId };
  const value = checkEntry(metaMessagesValue, rawValue, {
    kind: 'change',
    ids: { phoneNumberId },
    routing,
    checkDepth: false,
  });
  if (!value.ok) return void out.rejected.push(value.rejected);
  for (const raw of value.data.statuses ?? []) {
    const s = checkEntry(metaStatus, raw, { kind: 'status', ids: { wamid: fieldOf(raw, 'id') }, routing });
    if (!s.ok) out.rejected.push(s.rejected);
    else if (KNOWN.has(s.data.status)) out.statuses.push(toStatusEvent(s.data, phoneNumberId));
  }
  const names = contactNames(value.data.contacts);
  for (const raw of value.data.messages ?? []) {
    const m = checkEntry(metaInboundMessage, raw, {
      kind: 'message',
      ids: { wamid: fieldOf(raw, 'id') },
      routing,
    });
    if (!m.ok) out.rejected.push(m.rejected);
    else if (!phoneNumberId)
      out.rejected.push({
        kind: 'message',
        reason: 'invalid_entry',
        issues: [
          { path: 'metadata.phone_number_id', code: 'invalid_type', message: 'no readable receiving number' },
        ],
        providerIds: { wamid: m.data.id },
        entry: raw,
      });
    else
      out.inbound.push(
        toInboundEvent(m.data, raw as Record<string, unknown>, provider, phoneNumberId, names),
      );
  }
}

function toStatusEvent(
  s: {
    id: string;
    status: string;
    timestamp?: unknown;
    biz_opaque_callback_data?: unknown;
    errors?: unknown;
  },
  phoneNumberId: string | undefined,
): MessageStatusEvent {
  const ev: MessageStatusEvent = {
    status: s.status as MessageStatusEvent['status'],
    providerMessageId: s.id,
    at: isoFromSeconds(s.timestamp),
  };
  if (phoneNumberId) ev.senderAccountId = phoneNumberId;
  // `<tenant>:<messageId>[:<mac>]`: read here, trusted only after the webhook's owner check
  // (src/api/messages/status-authority.ts).
  const ref = parseStatusRef(s.biz_opaque_callback_data);
  if (ref) {
    ev.tenantId = ref.tenantId;
    ev.messageId = ref.messageId;
    ev.refMac = ref.mac;
  }
  if (s.status === 'failed') {
    const e = Array.isArray(s.errors) ? (s.errors[0] as unknown) : undefined;
    const code = fieldOf(e, 'code');
    ev.error = {
      code: typeof code === 'number' || typeof code === 'string' ? text(String(code), 64) : undefined,
      message:
        text(fieldOf(fieldOf(e, 'error_data'), 'details'), 1024) ??
        text(fieldOf(e, 'message'), 1024) ??
        text(fieldOf(e, 'title'), 1024) ??
        'failed',
    };
  }
  return ev;
}

/** wa_id → profile name, from whatever of `contacts` is readable (a name that is no string: none). */
function contactNames(contacts: unknown): Map<string, string> {
  const names = new Map<string, string>();
  if (!Array.isArray(contacts)) return names;
  for (const c of contacts) {
    const waId = fieldOf(c, 'wa_id');
    const name = text(fieldOf(fieldOf(c, 'profile'), 'name'), 256);
    if (typeof waId === 'string' && name !== undefined) names.set(waId, name);
  }
  return names;
}

function toInboundEvent(
  m: { id: string; from: string; type: string; timestamp?: unknown },
  raw: Record<string, unknown>,
  provider: string,
  recipientAccountId: string,
  names: Map<string, string>,
): InboundMessageEvent {
  // The type-specific object, as sent (`text`, `image`, `interactive`…): made storable when stored.
  const body = Object.hasOwn(raw, m.type) ? raw[m.type] : undefined;
  const content =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  // An edit carries the edited message whole (`edit.message`): its text is the new text.
  const textBody = fieldOf(m.type === 'edit' ? fieldOf(fieldOf(body, 'message'), 'text') : body, 'body');
  const refersTo = referenceOf(m.type, body);
  return {
    provider,
    providerMessageId: m.id,
    recipientAccountId,
    from: m.from,
    fromName: names.get(m.from) ?? null,
    at: isoFromSeconds(m.timestamp),
    type: m.type,
    text: (m.type === 'text' || m.type === 'edit') && typeof textBody === 'string' ? textBody : null,
    content,
    ...(refersTo ? { refersTo } : {}),
  };
}

/**
 * The earlier message a reaction, an edit or a revoke is about (messages webhook reference,
 * developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/
 * reaction, …/edit, …/revoke): `reaction.message_id` (an empty or absent `emoji` removes the
 * reaction), `edit.original_message_id` with the edited `edit.message`, `revoke.original_message_id`.
 * Edits and revokes reach only numbers shared with the WhatsApp Business app (coexistence).
 */
function referenceOf(type: string, body: unknown): InboundReference | undefined {
  const id = fieldOf(body, type === 'reaction' ? 'message_id' : 'original_message_id');
  if (!isInboundReferenceKind(type) || typeof id !== 'string' || id === '') return undefined;
  return { kind: type, providerMessageId: truncateText(storableString(id), 512).text };
}

const isInboundReferenceKind = (t: string): t is InboundReferenceKind =>
  (INBOUND_REFERENCE_KINDS as readonly string[]).includes(t);
