import type { Connection } from 'mongoose';
import type { InboundMessageEvent } from '../../domain/message';
import { STORABLE_LIMITS, storableString, toStorable, truncateText } from '../../domain/storable';
import { inboundMessageModel, type InboundMessageDoc } from '../models/inbound-message.model';

/** Characters kept of the short fields (ids, addresses, the type, the sender's name). */
const SHORT = 512;
const NAME = 256;

/** A provider string made storable and cut; anything else (a number, an object) as the fallback. */
const short = <F>(v: unknown, max: number, fallback: F): string | F =>
  typeof v === 'string' ? truncateText(storableString(v), max).text : fallback;

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
            receivedAt: Number.isNaN(at.getTime()) ? new Date() : at,
            createdAt: new Date(),
          },
        },
        { upsert: true },
      );
      return res.upsertedCount === 1;
    },
    async list(tenantId: string): Promise<InboundMessageDoc[]> {
      return Inbound.find({ tenantId }).sort({ receivedAt: -1 }).limit(100).lean<InboundMessageDoc[]>();
    },
  };
}

export type InboundMessageRepository = ReturnType<typeof createInboundMessageRepository>;
