import type { BroadcastDoc } from '../src/db/models/broadcast.model';
import { QUEUED_LIFECYCLE, type MessageHistoryDoc } from '../src/db/models/message-history.model';
import { BROADCAST_CHUNK_SIZE, recipientMessageId, type BroadcastRecipient } from '../src/domain/broadcast';
import type { MessageContent } from '../src/schemas/message-content.schema';
import { summarise } from './message-summary';

/** The content one recipient gets: the broadcast's, with the recipient's placeholder values. */
export function personalise(content: MessageContent, parameters: string[] | undefined): MessageContent {
  if (!parameters || parameters.length === 0) return content;
  if (content.type === 'template') {
    const others = (content.template.components ?? []).filter((c) => c.type !== 'body');
    return {
      type: 'template',
      template: {
        ...content.template,
        components: [
          ...others,
          { type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) },
        ],
      },
    };
  }
  if (content.type === 'text')
    return {
      type: 'text',
      text: {
        ...content.text,
        body: content.text.body.replace(
          /\{\{(\d{1,2})\}\}/g,
          (m, n: string) => parameters[Number(n) - 1] ?? m,
        ),
      },
    };
  return content;
}

/** A recipient's message record as prepareBroadcast writes it: queued, its content personalised. */
export function recipientRecord(
  b: BroadcastDoc,
  tenantId: string,
  broadcastId: string,
  rc: BroadcastRecipient,
  index: number,
): Omit<MessageHistoryDoc, 'deletedAt'> {
  const messageId = recipientMessageId(broadcastId, index);
  const content = personalise(b.content as unknown as MessageContent, rc.parameters);
  const s = summarise(content);
  return {
    _id: `${tenantId}:${messageId}`,
    tenantId,
    messageId,
    senderId: b.senderId,
    sessionId: b.sessionId,
    senderUserId: b.senderUserId,
    provider: b.provider,
    priority: b.priority,
    recipientPhone: rc.to,
    recipientName: rc.recipientName ?? null,
    messageType: b.messageType,
    messageContent: s.text,
    content: content as unknown as Record<string, unknown>,
    mediaData: s.media,
    ...QUEUED_LIFECYCLE,
    metadata: rc.metadata ?? null,
    idempotencyKey: null,
    requestHash: b.requestHash,
    workflowId: b.workflowId,
    validityMs: b.validityMs,
    broadcastId,
    broadcastIndex: index,
    broadcastChunk: Math.floor(index / BROADCAST_CHUNK_SIZE),
    notifyPending: false,
    notifiedStatus: null,
    notifyAttempts: 0,
    createdAt: b.createdAt,
    updatedAt: b.createdAt,
  };
}
