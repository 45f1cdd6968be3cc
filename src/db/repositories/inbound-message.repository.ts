import type { Connection } from 'mongoose';
import type { InboundMessageEvent } from '../../domain/message';
import { inboundMessageModel, type InboundMessageDoc } from '../models/inbound-message.model';

/** Inbound messages, deduplicated by provider id: storing one twice changes nothing. */
export function createInboundMessageRepository(conn: Connection) {
  const Inbound = inboundMessageModel(conn);
  return {
    /** True when this call stored it (first time), false when it was already there. */
    async store(tenantId: string, senderId: string, ev: InboundMessageEvent): Promise<boolean> {
      const res = await Inbound.updateOne(
        { _id: `${tenantId}:${ev.provider}:${ev.providerMessageId}` },
        {
          $setOnInsert: {
            tenantId,
            senderId,
            provider: ev.provider,
            providerMessageId: ev.providerMessageId,
            from: ev.from,
            fromName: ev.fromName,
            type: ev.type,
            text: ev.text,
            content: ev.content,
            receivedAt: new Date(ev.at),
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
