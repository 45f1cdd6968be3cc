import { Schema, type Connection, type Model } from 'mongoose';
import { BROADCAST_STATUSES, type BroadcastRecipient, type BroadcastStatus } from '../../domain/broadcast';
import { MESSAGE_TYPES, PRIORITIES, type MessageType, type Priority } from '../../domain/message';

/**
 * `whatsapp_broadcasts`: one document per broadcast (issue 18), `_id` = `<tenant>:<broadcastId>`.
 * Written by the API once (at accept) and then only by the broadcast's workflow (its status).
 * The recipients live in `whatsapp_broadcast_recipients`, one document per chunk of
 * BROADCAST_CHUNK_SIZE, and become message records when the workflow starts.
 */
export interface BroadcastDoc {
  _id: string;
  tenantId: string;
  broadcastId: string;
  name: string | null;
  senderId: string;
  provider: string;
  sessionId: string | null;
  senderUserId: string | null;
  priority: Priority;
  messageType: MessageType;
  /** The content every recipient gets (before its `parameters`). */
  content: Record<string, unknown>;
  total: number;
  chunkCount: number;
  status: BroadcastStatus;
  notBefore: Date | null;
  validityMs: number | null;
  idempotencyKey: string | null;
  requestHash: string;
  workflowId: string;
  createdAt: Date;
  startedAt: Date | null;
  pausedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface BroadcastChunkDoc {
  _id: string;
  tenantId: string;
  broadcastId: string;
  chunk: number;
  /** Index of the chunk's first recipient in the request. */
  first: number;
  recipients: BroadcastRecipient[];
}

const broadcastSchema = new Schema<BroadcastDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    broadcastId: { type: String, required: true },
    name: { type: String, default: null },
    senderId: { type: String, required: true },
    provider: { type: String, required: true },
    sessionId: { type: String, default: null },
    senderUserId: { type: String, default: null },
    priority: { type: String, enum: PRIORITIES, required: true },
    messageType: { type: String, enum: MESSAGE_TYPES, required: true },
    content: { type: Schema.Types.Mixed, required: true },
    total: { type: Number, required: true },
    chunkCount: { type: Number, required: true },
    status: { type: String, enum: BROADCAST_STATUSES, required: true },
    notBefore: { type: Date, default: null },
    validityMs: { type: Number, default: null },
    idempotencyKey: { type: String, default: null },
    requestHash: { type: String, required: true },
    workflowId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    pausedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_broadcasts', versionKey: false, minimize: false },
);
broadcastSchema.index({ tenantId: 1, createdAt: -1, _id: -1 });

const chunkSchema = new Schema<BroadcastChunkDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    broadcastId: { type: String, required: true },
    chunk: { type: Number, required: true },
    first: { type: Number, required: true },
    recipients: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'whatsapp_broadcast_recipients', versionKey: false, minimize: false },
);

export function broadcastModel(conn: Connection): Model<BroadcastDoc> {
  return (
    (conn.models.Broadcast as Model<BroadcastDoc> | undefined) ??
    conn.model<BroadcastDoc>('Broadcast', broadcastSchema)
  );
}

export function broadcastChunkModel(conn: Connection): Model<BroadcastChunkDoc> {
  return (
    (conn.models.BroadcastChunk as Model<BroadcastChunkDoc> | undefined) ??
    conn.model<BroadcastChunkDoc>('BroadcastChunk', chunkSchema)
  );
}

/**
 * `whatsapp_recipient_status_inbox`: webhook statuses of broadcast recipients that came before the
 * recipient's `sent` was written; applied (and removed) once it is. `_id` = `<tenant>:<messageId>:<providerMessageId>:<status>`.
 */
export interface RecipientStatusInboxDoc {
  _id: string;
  tenantId: string;
  broadcastId: string | null;
  messageId: string;
  providerMessageId: string;
  status: 'delivered' | 'read' | 'failed';
  at: Date;
  error: { code: string | null; message: string } | null;
  createdAt: Date;
}

const inboxSchema = new Schema<RecipientStatusInboxDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    broadcastId: { type: String, default: null },
    messageId: { type: String, required: true },
    providerMessageId: { type: String, required: true },
    status: { type: String, required: true },
    at: { type: Date, required: true },
    error: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_recipient_status_inbox', versionKey: false, minimize: false },
);
inboxSchema.index({ tenantId: 1, messageId: 1 });
inboxSchema.index({ tenantId: 1, broadcastId: 1 });

export function recipientStatusInboxModel(conn: Connection): Model<RecipientStatusInboxDoc> {
  return (
    (conn.models.RecipientStatusInbox as Model<RecipientStatusInboxDoc> | undefined) ??
    conn.model<RecipientStatusInboxDoc>('RecipientStatusInbox', inboxSchema)
  );
}
