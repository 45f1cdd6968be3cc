import type { Connection } from 'mongoose';
import { messageHistoryModel } from '../../src/db/models/message-history.model';
import type { MessageHistoryRepository } from '../../src/db/repositories/message-history.repository';
import type { MessageStatus } from '../../src/domain/message';

/** One history record of the statistics data set, written through the repository's own write path. */
export interface StatsFixture {
  id: string;
  tenantId: string;
  at: string;
  provider: string;
  senderId: string;
  status: MessageStatus;
  error?: { code: string | null; message: string; at: string };
  /** Soft-deleted afterwards: never counted. */
  deleted?: boolean;
}

/** Writes each record queued, then moves it to its final status as the activities do. */
export async function seedStats(
  conn: Connection,
  messages: MessageHistoryRepository,
  fixtures: StatsFixture[],
): Promise<void> {
  const Message = messageHistoryModel(conn);
  for (const f of fixtures) {
    const at = new Date(f.at);
    const later = new Date(at.getTime() + 60_000);
    await messages.recordQueued(
      {
        tenantId: f.tenantId,
        messageId: f.id,
        senderId: f.senderId,
        sessionId: f.provider === 'whatsapp_web' ? f.senderId : null,
        senderUserId: 'key_stats',
        provider: f.provider,
        priority: 'normal',
        recipientPhone: '966501234567',
        recipientName: null,
        messageType: 'text',
        messageContent: `stats ${f.id}`,
        content: { type: 'text', text: { body: `stats ${f.id}` } },
        mediaData: null,
        metadata: null,
        idempotencyKey: null,
        requestHash: `hash-${f.id}`,
        workflowId: `message:${f.tenantId}:${f.id}`,
        acceptedAt: at,
      },
      false,
    );
    if (['sent', 'delivered', 'read'].includes(f.status))
      await messages.recordSent(f.tenantId, f.id, `wamid.${f.id}`, later);
    if (f.status === 'delivered' || f.status === 'read')
      await messages.recordDelivery(f.tenantId, f.id, f.status, later);
    if (f.status === 'cancelled') await messages.recordCancelled(f.tenantId, f.id, later);
    if (f.status === 'failed') {
      const e = f.error ?? { code: null, message: 'failed', at: later.toISOString() };
      await messages.recordFailed(f.tenantId, f.id, {
        at: new Date(e.at),
        errorCode: e.code,
        errorMessage: e.message,
        retryable: false,
        runId: `run-${f.id}`,
      });
    }
    if (f.deleted) await Message.updateOne({ _id: `${f.tenantId}:${f.id}` }, { $set: { deletedAt: later } });
  }
}
