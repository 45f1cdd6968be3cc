import type { Connection } from 'mongoose';
import type { InboundMessageEvent, InboundReference } from '../../domain/message';
import type { Page, PageCursor } from '../../domain/page-cursor';
import {
  STORABLE_LIMITS,
  fromStorable,
  storableString,
  toStorable,
  truncateText,
} from '../../domain/storable';
import { inboundMessageModel, type InboundMessageDoc } from '../models/inbound-message.model';
import { afterCursor, newestFirst, pageOf } from '../paging';

/** Characters kept of the short fields (ids, addresses, the type, the sender's name). */
const SHORT = 512;
const NAME = 256;

/** An inbound message as the API shows it (GET /v1/inbound, conversations). */
export interface InboundView {
  /** `<provider>:<provider message id>`: unique within the tenant. */
  id: string;
  /** The tenant's sender (official number or session) it was sent to. */
  senderId: string;
  /** Who sent it: E.164 digits for a person (WhatsApp's wa_id), else the provider's address. */
  contact: string;
  contactName: string | null;
  provider: string;
  providerMessageId: string;
  type: string;
  text: string | null;
  content: Record<string, unknown>;
  truncated: boolean;
  receivedAt: Date;
}

export interface InboundFilter {
  senderId?: string;
  /** The contact's normalised number (`from` as stored). */
  contact?: string;
  type?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: PageCursor;
}

// `?? null`: an upserted null may come back absent (FerretDB), the API always says null.
export const inboundView = (d: InboundMessageDoc): InboundView => ({
  id: `${d.provider}:${d.providerMessageId}`,
  senderId: d.senderId,
  contact: d.from,
  contactName: d.fromName ?? null,
  provider: d.provider,
  providerMessageId: d.providerMessageId,
  type: d.type,
  text: d.text ?? null,
  content: fromStorable(d.content ?? {}) as Record<string, unknown>,
  truncated: d.truncated === true,
  receivedAt: d.receivedAt,
});

/** A provider string made storable and cut; anything else (a number, an object) as the fallback. */
const short = <F>(v: unknown, max: number, fallback: F): string | F =>
  typeof v === 'string' ? truncateText(storableString(v), max).text : fallback;

/** A reaction's, edit's or revoke's earlier message, its ids cut like the message's own. */
const referenceOf = (r: InboundReference | undefined): InboundReference | null =>
  r
    ? {
        kind: r.kind,
        providerMessageId: short(r.providerMessageId, SHORT, ''),
        ...(typeof r.messageId === 'string' ? { messageId: short(r.messageId, SHORT, '') } : {}),
      }
    : null;

/**
 * Inbound messages, deduplicated by provider id: storing one twice changes nothing. Whatever the
 * provider sent is stored (src/domain/storable.ts): NUL and unpaired surrogates become U+FFFD,
 * `content` keys that start with `$` or hold `.`/`%` are percent-escaped (`fromStorable` reads them
 * back), arrays inside arrays are wrapped, text is cut at STORABLE_LIMITS.maxStringChars (65,536)
 * characters and ids at 512, with `truncated` set when anything was cut; a contact name that is no
 * string is null. This holds for messages already in flight, whose workflow input was not checked.
 */
export function createInboundMessageRepository(conn: Connection) {
  const Inbound = inboundMessageModel(conn);
  return {
    /** True when this call stored it (first time), false when it was already there. */
    async store(tenantId: string, senderId: string, ev: InboundMessageEvent): Promise<boolean> {
      const providerMessageId = short(ev.providerMessageId, SHORT, String(ev.providerMessageId));
      const text =
        typeof ev.text === 'string'
          ? truncateText(storableString(ev.text), STORABLE_LIMITS.maxStringChars)
          : { text: null, truncated: false };
      const content = toStorable(
        ev.content !== null && typeof ev.content === 'object' && !Array.isArray(ev.content)
          ? ev.content
          : { value: ev.content ?? null },
      );
      const at = new Date(ev.at);
      const res = await Inbound.updateOne(
        { _id: `${tenantId}:${ev.provider}:${providerMessageId}` },
        {
          $setOnInsert: {
            tenantId,
            senderId,
            provider: ev.provider,
            providerMessageId,
            from: short(ev.from, SHORT, ''),
            fromName: short(ev.fromName, NAME, null),
            type: short(ev.type, 64, 'unknown'),
            text: text.text,
            content: content.value,
            truncated: text.truncated || content.truncated,
            refersTo: referenceOf(ev.refersTo),
            receivedAt: Number.isNaN(at.getTime()) ? new Date() : at,
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      return res.upsertedCount === 1;
    },
    /** The tenant's latest 100 documents as stored (tests and operators; the API pages with `page`). */
    async list(tenantId: string): Promise<InboundMessageDoc[]> {
      return Inbound.find({ tenantId })
        .sort(newestFirst('receivedAt'))
        .limit(100)
        .lean<InboundMessageDoc[]>();
    },

    /** GET /v1/inbound: the tenant's inbound messages, newest first, a page at a time. */
    async page(tenantId: string, f: InboundFilter): Promise<Page<InboundView>> {
      const q: Record<string, unknown> = { tenantId };
      if (f.senderId) q.senderId = f.senderId;
      if (f.contact) q.from = f.contact;
      if (f.type) q.type = f.type;
      const range: Record<string, Date> = {};
      if (f.since) range.$gte = f.since;
      if (f.until) range.$lt = f.until;
      if (Object.keys(range).length > 0) q.receivedAt = range;
      if (f.cursor) Object.assign(q, afterCursor('receivedAt', f.cursor, range));
      const docs = await Inbound.find(q)
        .sort(newestFirst('receivedAt'))
        .limit(f.limit + 1)
        .lean<InboundMessageDoc[]>();
      return pageOf(docs, f.limit, (d) => d.receivedAt, inboundView);
    },
  };
}

export type InboundMessageRepository = ReturnType<typeof createInboundMessageRepository>;
