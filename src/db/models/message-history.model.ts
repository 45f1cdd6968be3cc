import { Schema, type Connection, type Model } from 'mongoose';
import {
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  PRIORITIES,
  type MessageStatus,
  type MessageType,
  type Priority,
} from '../../domain/message';

/**
 * The seed's `whatsapp_message_histories` (every column, camelCased: session_id → sessionId,
 * whatsapp_message_id → providerMessageId, deleted_at → deletedAt …) plus tenant, sender,
 * provider, priority, delivered/read times and the idempotency key. `_id` = `<tenant>:<messageId>`,
 * so a retried write lands on the same document. Written only by activities.
 */
export interface MessageHistoryDoc {
  _id: string;
  tenantId: string;
  messageId: string;
  senderId: string;
  /** Seed `session_id`: the gateway session, null for official senders. */
  sessionId: string | null;
  /** Seed `sender_user_id`: here the API key that sent it. */
  senderUserId: string | null;
  provider: string;
  priority: Priority;
  recipientPhone: string;
  recipientName: string | null;
  messageType: MessageType;
  /** Seed `message_content`: the text, caption or a short summary. */
  messageContent: string;
  /** The full neutral content as accepted. */
  content: Record<string, unknown>;
  mediaData: Record<string, unknown> | null;
  status: MessageStatus;
  providerMessageId: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  cancelledAt: Date | null;
  retryCount: number;
  retryable: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  requestHash: string;
  workflowId: string;
  /** The workflow run that last failed this message: makes the retry_count increment idempotent. */
  lastFailedRunId: string | null;
  /** The validity the request asked for (`validitySeconds` × 1000); null = the configured default. */
  validityMs: number | null;
  /** Send rounds that failed for a reason that passes (transient, rate limited) and were retried. */
  sendRounds: number;
  /** While queued after such a round: the provider's last error and when the next round starts. */
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  nextAttemptAt: Date | null;
  /** The broadcast this message is a recipient of (issue 18), and its index there; null for a single message. */
  broadcastId?: string | null;
  broadcastIndex?: number | null;
  /**
   * Its chunk (BROADCAST_CHUNK_SIZE recipients): an equality a chunk's read can filter on in the
   * database (FerretDB pushes equalities down to PostgreSQL, not ranges). Absent on records written
   * before it was added.
   */
  broadcastChunk?: number | null;
  /**
   * A broadcast recipient's status changed since its tenant's callback last heard of it (statuses
   * reach its record straight from the webhooks; the broadcast's workflow sweeps these up).
   */
  notifyPending?: boolean;
  /** The last status its tenant's callback acknowledged, and failed deliveries since. */
  notifiedStatus?: MessageStatus | null;
  notifyAttempts?: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

const schema = new Schema<MessageHistoryDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    messageId: { type: String, required: true },
    senderId: { type: String, required: true },
    sessionId: { type: String, default: null },
    senderUserId: { type: String, default: null },
    provider: { type: String, required: true },
    priority: { type: String, enum: PRIORITIES, required: true },
    recipientPhone: { type: String, required: true },
    recipientName: { type: String, default: null },
    messageType: { type: String, enum: MESSAGE_TYPES, required: true },
    messageContent: { type: String, default: '' },
    content: { type: Schema.Types.Mixed, required: true },
    mediaData: { type: Schema.Types.Mixed, default: null },
    status: { type: String, enum: MESSAGE_STATUSES, required: true },
    providerMessageId: { type: String, default: null },
    sentAt: { type: Date, default: null },
    deliveredAt: { type: Date, default: null },
    readAt: { type: Date, default: null },
    failedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    retryCount: { type: Number, default: 0 },
    retryable: { type: Boolean, default: false },
    errorCode: { type: String, default: null },
    errorMessage: { type: String, default: null },
    metadata: { type: Schema.Types.Mixed, default: null },
    idempotencyKey: { type: String, default: null },
    requestHash: { type: String, required: true },
    workflowId: { type: String, required: true },
    lastFailedRunId: { type: String, default: null },
    validityMs: { type: Number, default: null },
    sendRounds: { type: Number, default: 0 },
    lastErrorCode: { type: String, default: null },
    lastErrorMessage: { type: String, default: null },
    nextAttemptAt: { type: Date, default: null },
    broadcastId: { type: String, default: null },
    broadcastIndex: { type: Number, default: null },
    broadcastChunk: { type: Number },
    notifyPending: { type: Boolean, default: false },
    notifiedStatus: { type: String, default: null },
    notifyAttempts: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
  },
  { collection: 'whatsapp_message_histories', versionKey: false, minimize: false },
);

// One index per filter of GET /v1/messages (newest first), and the provider-id lookup for webhooks.
schema.index({ tenantId: 1, createdAt: -1, _id: -1 });
schema.index({ tenantId: 1, senderId: 1, createdAt: -1 });
schema.index({ tenantId: 1, status: 1, createdAt: -1 });
schema.index({ tenantId: 1, recipientPhone: 1, createdAt: -1 });
schema.index({ provider: 1, providerMessageId: 1 });
// A broadcast's recipients in order (its chunks, GET /v1/messages?broadcastId=), and its pending callbacks.
schema.index({ tenantId: 1, broadcastId: 1, broadcastIndex: 1 });
schema.index({ tenantId: 1, broadcastId: 1, notifyPending: 1 });

/** The lifecycle fields of a record that was just queued: nothing sent, failed or retried yet. */
export const QUEUED_LIFECYCLE = {
  status: 'queued',
  providerMessageId: null,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  failedAt: null,
  cancelledAt: null,
  retryCount: 0,
  retryable: false,
  errorCode: null,
  errorMessage: null,
  lastFailedRunId: null,
  sendRounds: 0,
  lastErrorCode: null,
  lastErrorMessage: null,
  nextAttemptAt: null,
} as const satisfies Partial<MessageHistoryDoc>;

export function messageHistoryModel(conn: Connection): Model<MessageHistoryDoc> {
  return (
    (conn.models.MessageHistory as Model<MessageHistoryDoc> | undefined) ??
    conn.model<MessageHistoryDoc>('MessageHistory', schema)
  );
}
