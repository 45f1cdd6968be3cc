import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundMessageEvent, MessageStatusEvent } from '../../domain/message';
import type { MetaStatus, MetaWebhookPayload } from './meta.types';

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

const KNOWN = new Set(['sent', 'delivered', 'read', 'failed']);

/** Every `statuses[]` entry of every entry/change → canonical events (unknown statuses like `played` are dropped). */
export function normaliseMetaStatuses(payload: unknown): MessageStatusEvent[] {
  const p = payload as Partial<MetaWebhookPayload> | undefined;
  if (!p || p.object !== 'whatsapp_business_account' || !Array.isArray(p.entry)) return [];
  const out: MessageStatusEvent[] = [];
  for (const entry of p.entry)
    for (const change of entry?.changes ?? [])
      for (const s of change?.value?.statuses ?? []) {
        const ev = toEvent(s);
        if (ev) out.push(ev);
      }
  return out;
}

function toEvent(s: MetaStatus): MessageStatusEvent | null {
  if (!s || typeof s.id !== 'string' || !KNOWN.has(s.status)) return null;
  const seconds = Number(s.timestamp);
  const ev: MessageStatusEvent = {
    status: s.status as MessageStatusEvent['status'],
    providerMessageId: s.id,
    at: new Date(Number.isFinite(seconds) ? seconds * 1000 : Date.now()).toISOString(),
  };
  const cb =
    typeof s.biz_opaque_callback_data === 'string'
      ? /^([a-z0-9][a-z0-9_-]{0,62}):(msg_[A-Za-z0-9_-]{10,64})$/.exec(s.biz_opaque_callback_data)
      : null;
  if (cb) {
    ev.tenantId = cb[1];
    ev.messageId = cb[2];
  }
  const e = s.errors?.[0];
  if (s.status === 'failed')
    ev.error = {
      code: e?.code === undefined ? undefined : String(e.code),
      message: e?.error_data?.details ?? e?.message ?? e?.title ?? 'failed',
    };
  return ev;
}

interface MetaInbound {
  id?: string;
  from?: string;
  timestamp?: string;
  type?: string;
  text?: { body?: string };
  [k: string]: unknown;
}

/**
 * Every inbound `messages[]` entry → canonical inbound events (deduplicated later by provider id).
 * `provider` names who delivered the envelope: 360dialog forwards Meta's unchanged.
 */
export function normaliseMetaInbound(payload: unknown, provider = 'meta'): InboundMessageEvent[] {
  const p = payload as Partial<MetaWebhookPayload> | undefined;
  if (!p || p.object !== 'whatsapp_business_account' || !Array.isArray(p.entry)) return [];
  const out: InboundMessageEvent[] = [];
  for (const entry of p.entry)
    for (const change of entry?.changes ?? []) {
      const value = change?.value;
      const accountId = value?.metadata?.phone_number_id;
      const contacts =
        (value as { contacts?: { wa_id?: string; profile?: { name?: string } }[] } | undefined)?.contacts ??
        [];
      for (const raw of (value?.messages ?? []) as MetaInbound[]) {
        if (
          !raw ||
          typeof raw.id !== 'string' ||
          typeof accountId !== 'string' ||
          typeof raw.type !== 'string'
        )
          continue;
        const seconds = Number(raw.timestamp);
        const from = typeof raw.from === 'string' ? raw.from : '';
        const body = raw[raw.type];
        out.push({
          provider,
          providerMessageId: raw.id,
          recipientAccountId: accountId,
          from,
          fromName: contacts.find((c) => c.wa_id === from)?.profile?.name ?? null,
          at: new Date(Number.isFinite(seconds) ? seconds * 1000 : Date.now()).toISOString(),
          type: raw.type,
          text: raw.type === 'text' && typeof raw.text?.body === 'string' ? raw.text.body : null,
          content: body && typeof body === 'object' ? (body as Record<string, unknown>) : {},
        });
      }
    }
  return out;
}
