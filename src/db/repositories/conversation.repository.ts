import type { Connection } from 'mongoose';
import { conversationKey, parseConversationKey, type Direction } from '../../domain/conversation';
import { encodePageCursor, type Page, type PageCursor } from '../../domain/page-cursor';
import { inboundMessageModel, type InboundMessageDoc } from '../models/inbound-message.model';
import { messageHistoryModel, type MessageHistoryDoc } from '../models/message-history.model';
import { afterCursor, newestFirst } from '../paging';
import { inboundView, type InboundView } from './inbound-message.repository';

/** One item of a conversation: an inbound message, or an outbound one as message history holds it. */
export type ConversationEntry =
  | { direction: 'inbound'; at: Date; inbound: InboundView }
  | { direction: 'outbound'; at: Date; message: MessageHistoryDoc };

/** Where one direction's documents resume after `c`, in (time, key) descending order. */
function resumeAfter(side: Direction, field: string, c: PageCursor | undefined) {
  if (!c) return {};
  const at = parseConversationKey(c.key);
  if (!at) throw new Error('not a conversation cursor'); // the query schema refuses these first
  if (at.direction === side) return afterCursor(field, { at: c.at, key: at.id });
  // Same time, other direction: keys `out:` sort after `in:`, so inbound items at the cursor's time
  // still follow an outbound one, and outbound items at that time came before an inbound one.
  return { [field]: side === 'inbound' ? { $lte: c.at } : { $lt: c.at } };
}

/**
 * Both sides, each already in the database's (time, `_id`) descending order, merged without
 * re-sorting within a side: at equal times outbound goes first (its key prefix sorts after).
 */
function merge(inbound: InboundMessageDoc[], outbound: MessageHistoryDoc[]) {
  const out: Array<{ key: string; entry: ConversationEntry }> = [];
  let i = 0;
  let o = 0;
  for (;;) {
    const a = inbound[i];
    const b = outbound[o];
    if (b && (!a || b.createdAt.getTime() >= a.receivedAt.getTime())) {
      out.push({
        key: conversationKey('outbound', b._id),
        entry: { direction: 'outbound', at: b.createdAt, message: b },
      });
      o += 1;
    } else if (a) {
      out.push({
        key: conversationKey('inbound', a._id),
        entry: { direction: 'inbound', at: a.receivedAt, inbound: inboundView(a) },
      });
      i += 1;
    } else return out;
  }
}

/**
 * Read-only: a conversation between one of a tenant's senders and one contact, both directions
 * interleaved newest first — inbound messages by `receivedAt`, outbound by `createdAt` (accepted).
 * Each side reads `limit + 1` past the cursor; of the merge, `limit` make the page and one more
 * says that another page follows.
 */
export function createConversationRepository(conn: Connection) {
  const Inbound = inboundMessageModel(conn);
  const Message = messageHistoryModel(conn);
  return {
    async page(
      tenantId: string,
      senderId: string,
      contact: string,
      f: { limit: number; cursor?: PageCursor },
    ): Promise<Page<ConversationEntry>> {
      const [inbound, outbound] = await Promise.all([
        Inbound.find({ tenantId, senderId, from: contact, ...resumeAfter('inbound', 'receivedAt', f.cursor) })
          .sort(newestFirst('receivedAt'))
          .limit(f.limit + 1)
          .lean<InboundMessageDoc[]>(),
        Message.find({
          tenantId,
          senderId,
          recipientPhone: contact,
          deletedAt: null,
          ...resumeAfter('outbound', 'createdAt', f.cursor),
        })
          .sort(newestFirst('createdAt'))
          .limit(f.limit + 1)
          .lean<MessageHistoryDoc[]>(),
      ]);
      const merged = merge(inbound, outbound);
      const page = merged.slice(0, f.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((x) => x.entry),
        nextCursor: merged.length > f.limit && last ? encodePageCursor(last.entry.at, last.key) : null,
      };
    },
  };
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;
