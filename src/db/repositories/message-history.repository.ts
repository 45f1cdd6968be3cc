import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import { statusesBefore, type MessageStatus } from '../../domain/message';
import { bulkWriteInSmallCommands } from '../bulk-writes';
import { insertMissing } from '../connection';
import {
  messageHistoryModel,
  QUEUED_LIFECYCLE,
  type MessageHistoryDoc,
} from '../models/message-history.model';
import { recipientStatusInboxModel } from '../models/broadcast.model';
import { parseRecipientMessageId } from '../../domain/broadcast';
import { createMessageStatsRepository } from './message-stats.repository';
import { createSendJournalRepository, type LeftoverScope } from './send-journal.repository';

/** What the queued write needs: the accepted request's fields of the history document, plus when it was accepted. */
export type QueuedMessageRecord = Pick<
  MessageHistoryDoc,
  | 'tenantId'
  | 'messageId'
  | 'senderId'
  | 'sessionId'
  | 'senderUserId'
  | 'provider'
  | 'priority'
  | 'recipientPhone'
  | 'recipientName'
  | 'messageType'
  | 'messageContent'
  | 'content'
  | 'mediaData'
  | 'metadata'
  | 'idempotencyKey'
  | 'requestHash'
  | 'workflowId'
> &
  Partial<Pick<MessageHistoryDoc, 'validityMs'>> & { acceptedAt: Date };

export interface MessageListFilter {
  senderId?: string;
  /** A broadcast's recipients (issue 18). */
  broadcastId?: string;
  status?: MessageStatus;
  recipientPhone?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

/** A delivered / read / failed status from a webhook, for a broadcast recipient's record (issue 18). */
export interface RecipientStatus {
  messageId: string;
  providerMessageId: string;
  status: 'delivered' | 'read' | 'failed';
  at: Date;
  error?: { code: string | null; message: string } | null;
}

/** A status write that moved the record (null: it was already there or past it), with its provider. */
export type Moved = { provider: string } | null;

const docId = (tenantId: string, messageId: string) => `${tenantId}:${messageId}`;

/** Cursor = base64url of `<createdAt ms>|<_id>`: newest first, stable under equal timestamps. */
const encodeCursor = (d: Pick<MessageHistoryDoc, 'createdAt' | '_id'>) =>
  Buffer.from(`${d.createdAt.getTime()}|${d._id}`).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [ms, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(Number(ms));
  return rest.length === 0 || Number.isNaN(at.getTime()) ? null : { at, id: rest.join('|') };
}

const RANK_OF = (s: RecipientStatus['status']) => (s === 'delivered' ? 1 : s === 'read' ? 2 : 3);

/** The record's fields a recipient status sets (besides `status`). */
function fieldsOf(s: RecipientStatus): Partial<MessageHistoryDoc> {
  if (s.status === 'delivered') return { deliveredAt: s.at };
  if (s.status === 'read') return { readAt: s.at };
  return {
    failedAt: s.at,
    errorCode: s.error?.code ?? null,
    errorMessage: s.error?.message ?? 'failed',
    retryable: false,
  };
}

/**
 * A recipient's `sent` together with the webhook statuses that overtook it (issue 18): the status it
 * ends at and the fields to set, applied in status order and forward only, as one write each would.
 * A read without a delivered also sets deliveredAt (as statusOps does).
 */
export function foldEarlyStatuses(statuses: RecipientStatus[]): {
  status: MessageStatus;
  set: Partial<MessageHistoryDoc>;
} {
  let status: MessageStatus = 'sent';
  const set: Partial<MessageHistoryDoc> = {};
  for (const st of [...statuses].sort((a, b) => RANK_OF(a.status) - RANK_OF(b.status))) {
    if (!statusesBefore(st.status).includes(status)) continue;
    status = st.status;
    Object.assign(set, fieldsOf(st));
  }
  if (set.readAt && !set.deliveredAt) set.deliveredAt = set.readAt;
  return { status, set };
}

/** The forward-only write of one webhook status to a broadcast recipient's record. */
function statusOps(tenantId: string, s: RecipientStatus): AnyBulkWriteOperation<MessageHistoryDoc>[] {
  const filter = {
    _id: docId(tenantId, s.messageId),
    broadcastId: { $ne: null },
    providerMessageId: s.providerMessageId,
    status: { $in: statusesBefore(s.status) },
  };
  const set: Partial<MessageHistoryDoc> = {
    status: s.status,
    notifyPending: true,
    updatedAt: new Date(),
    ...fieldsOf(s),
  };
  const ops: AnyBulkWriteOperation<MessageHistoryDoc>[] = [{ updateOne: { filter, update: { $set: set } } }];
  // A read whose delivered never came (or comes later): delivered at the read time.
  if (s.status === 'read')
    ops.push({
      updateOne: {
        filter: {
          _id: filter._id,
          providerMessageId: s.providerMessageId,
          deliveredAt: null,
          readAt: { $ne: null },
        },
        update: { $set: { deliveredAt: s.at } },
      },
    });
  return ops;
}

/**
 * Message history. Every write is an idempotent upsert or a conditional update whose filter names
 * the statuses the record may move from, so replays, duplicates and late events change nothing.
 */
export function createMessageHistoryRepository(conn: Connection) {
  const Message = messageHistoryModel(conn);
  const Inbox = recipientStatusInboxModel(conn);
  const journal = createSendJournalRepository(conn);

  async function transition(
    tenantId: string,
    messageId: string,
    to: MessageStatus,
    set: Partial<MessageHistoryDoc>,
    inc?: Partial<Record<'retryCount', number>>,
  ): Promise<Moved> {
    // findOneAndUpdate, not updateOne: the same round trip also says which provider moved (metrics).
    // No projection: FerretDB 1.24's findAndModify refuses `fields` ("not implemented yet").
    // The driver's own call: a message's hot path makes two of these, and Mongoose's query
    // building and casting cost the worker more than the round trip (the values are typed already).
    const before = await Message.collection.findOneAndUpdate(
      { _id: docId(tenantId, messageId) as never, status: { $in: statusesBefore(to) } },
      { $set: { ...set, status: to, updatedAt: new Date() }, ...(inc ? { $inc: inc } : {}) },
    );
    return before ? { provider: before.provider as string } : null;
  }

  return {
    /**
     * First run: creates the record. A retry run (the record is failed) puts it back to queued.
     * True when this call wrote the queued status (a replay or duplicate finds it done).
     */
    async recordQueued(r: QueuedMessageRecord, retry: boolean): Promise<boolean> {
      const { acceptedAt, ...fields } = r;
      if (retry) {
        const res = await Message.updateOne(
          { _id: docId(r.tenantId, r.messageId), status: 'failed' },
          {
            $set: {
              status: 'queued',
              errorCode: null,
              errorMessage: null,
              retryable: false,
              sendRounds: 0,
              lastErrorCode: null,
              lastErrorMessage: null,
              nextAttemptAt: null,
              updatedAt: new Date(),
            },
          },
        );
        return res.modifiedCount === 1;
      }
      // An insert that leaves a record already there as it is (a replayed or retried local
      // activity): one statement on FerretDB, where an upsert first looks the record up (issue 14).
      const record = Message.applyDefaults({
        _id: docId(r.tenantId, r.messageId),
        ...fields,
        ...QUEUED_LIFECYCLE,
        createdAt: acceptedAt,
        updatedAt: acceptedAt,
        deletedAt: null,
      });
      const inserted = await insertMissing([record], (d) =>
        Message.collection.insertMany(d as never[], { ordered: false }),
      );
      return inserted === 1;
    },

    /**
     * A message whose input the database refused: a minimal failed record (the caller strips the
     * content), so the message still shows, failed with `code`. Idempotent (insert once).
     */
    async recordRejected(r: QueuedMessageRecord, code: string, message: string): Promise<void> {
      const { acceptedAt, ...fields } = r;
      await Message.updateOne(
        { _id: docId(r.tenantId, r.messageId) },
        {
          $setOnInsert: {
            ...fields,
            status: 'failed',
            providerMessageId: null,
            sentAt: null,
            deliveredAt: null,
            readAt: null,
            failedAt: acceptedAt,
            cancelledAt: null,
            retryCount: 0,
            retryable: false,
            errorCode: code,
            errorMessage: message,
            lastFailedRunId: null,
            sendRounds: 0,
            lastErrorCode: null,
            lastErrorMessage: null,
            nextAttemptAt: null,
            createdAt: acceptedAt,
            updatedAt: acceptedAt,
            deletedAt: null,
          },
        },
        { upsert: true },
      );
    },

    /** A send round failed for a reason that passes; the record stays queued and says why and when next. */
    async recordRetrying(
      tenantId: string,
      messageId: string,
      r: { rounds: number; errorCode: string | null; errorMessage: string; nextAttemptAt: Date },
    ): Promise<void> {
      await Message.updateOne(
        { _id: docId(tenantId, messageId), status: 'queued' },
        {
          $set: {
            sendRounds: r.rounds,
            lastErrorCode: r.errorCode,
            lastErrorMessage: r.errorMessage.slice(0, 1_000),
            nextAttemptAt: r.nextAttemptAt,
            updatedAt: new Date(),
          },
        },
      );
    },

    recordSent(tenantId: string, messageId: string, providerMessageId: string, at: Date): Promise<Moved> {
      return transition(tenantId, messageId, 'sent', { providerMessageId, sentAt: at, nextAttemptAt: null });
    },

    /** delivered / read from a status webhook; `read` also fills deliveredAt when delivered never came. */
    async recordDelivery(
      tenantId: string,
      messageId: string,
      status: 'delivered' | 'read',
      at: Date,
      /** With `read`: when it was delivered, if that came in the same batch (else the read time stands in). */
      deliveredAt?: Date,
    ): Promise<Moved> {
      if (status === 'delivered') return transition(tenantId, messageId, 'delivered', { deliveredAt: at });
      const applied = await transition(tenantId, messageId, 'read', { readAt: at });
      if (applied)
        await Message.updateOne(
          { _id: docId(tenantId, messageId), deliveredAt: null },
          { $set: { deliveredAt: deliveredAt ?? at } },
        );
      return applied;
    },

    /**
     * delivered / read arriving after the message's workflow stopped following statuses (it waits
     * `MESSAGE_STATUS_TIMEOUT_MS`, 24 h by default; people read later). Applied only when it moves
     * the record forward and names the provider id the record holds (an earlier run's id moves nothing).
     */
    async recordLateDelivery(
      tenantId: string,
      messageId: string,
      providerMessageId: string,
      status: 'delivered' | 'read',
      at: Date,
    ): Promise<boolean> {
      const set: Partial<MessageHistoryDoc> = status === 'delivered' ? { deliveredAt: at } : { readAt: at };
      const r = await Message.updateOne(
        { _id: docId(tenantId, messageId), providerMessageId, status: { $in: statusesBefore(status) } },
        { $set: { ...set, status, updatedAt: new Date() } },
      );
      if (r.modifiedCount === 1 && status === 'read')
        await Message.updateOne(
          { _id: docId(tenantId, messageId), deliveredAt: null },
          { $set: { deliveredAt: at } },
        );
      return r.modifiedCount === 1;
    },

    /**
     * Webhook statuses of broadcast recipients, straight to their records (no workflow follows
     * them): forward only, and only for the provider id the record holds. A status that overtook
     * the chunk's write of `sent` (the record has no provider id yet) is kept in an inbox, applied
     * once `sent` is written (applyRecipientInbox). Not written beside the chunk's own write on
     * purpose: FerretDB updates read and write back the whole document, so two writers of one
     * record at once lose one write. After the bulk write the records are read back, and a status
     * that lost such a race is applied again.
     */
    async recordRecipientStatuses(tenantId: string, statuses: RecipientStatus[]): Promise<number> {
      if (statuses.length === 0) return 0;
      // A send still in the journal (its chunk writes its record a moment later, with the statuses
      // that came meanwhile): its statuses join it there — one insert per batch, no record update.
      const batchOf = await journal.batchesOf(tenantId, statuses);
      if (batchOf.size > 0) {
        const joins = (st: RecipientStatus) => batchOf.has(`${st.messageId}:${st.providerMessageId}`);
        await journal.keepStatuses(
          tenantId,
          statuses.filter(joins).map((st) => ({ ...st, error: st.error ?? null })),
          batchOf,
        );
        statuses = statuses.filter((st) => !joins(st));
        if (statuses.length === 0) return 0;
      }
      const ops = statuses.map((st) => statusOps(tenantId, st));
      const written = await bulkWriteInSmallCommands(
        Message,
        ops.map((o) => o[0] as AnyBulkWriteOperation<MessageHistoryDoc>),
      );
      await bulkWriteInSmallCommands(
        Message,
        ops.flatMap((o) => o.slice(1)),
      );
      // Every status moved its record (the usual case): nothing overtook, nothing raced.
      if (written === statuses.length) return written;
      // Read back one by one: FerretDB runs an `_id: {$in}` query as a scan of the collection.
      const now: Pick<MessageHistoryDoc, '_id' | 'status' | 'providerMessageId' | 'broadcastId'>[] = [];
      const ids = [...new Set(statuses.map((st) => docId(tenantId, st.messageId)))];
      for (let i = 0; i < ids.length; i += 8)
        for (const d of await Promise.all(
          ids
            .slice(i, i + 8)
            .map((_id) =>
              Message.findById(_id, { status: 1, providerMessageId: 1, broadcastId: 1 }).lean<
                Pick<MessageHistoryDoc, '_id' | 'status' | 'providerMessageId' | 'broadcastId'>
              >(),
            ),
        ))
          if (d) now.push(d);
      const byId = new Map(now.map((d) => [d._id, d]));
      const again: RecipientStatus[] = [];
      const early: RecipientStatus[] = [];
      for (const st of statuses) {
        const d = byId.get(docId(tenantId, st.messageId));
        if (!d || !d.broadcastId) continue;
        if (d.providerMessageId === st.providerMessageId) {
          if (statusesBefore(st.status).includes(d.status)) again.push(st);
        } else if (d.status === 'queued' && !d.providerMessageId) early.push(st);
      }
      if (again.length > 0)
        await bulkWriteInSmallCommands(
          Message,
          again.flatMap((st) => statusOps(tenantId, st)),
        );
      if (early.length > 0) {
        // Inserts, not upserts: on FerretDB an insert costs a tenth of an update (bench/ferretdb-ops.ts).
        // The provider id is part of the key: after a resend, the new send's early status must not be
        // taken for the old one's (which never applies) and dropped. A duplicate is already waiting.
        const docs = early.map((st) => ({
          _id: `${docId(tenantId, st.messageId)}:${st.providerMessageId}:${st.status}`,
          tenantId,
          broadcastId: parseRecipientMessageId(st.messageId)?.broadcastId ?? null,
          ...st,
          error: st.error ?? null,
          createdAt: new Date(),
        }));
        await insertMissing(docs, (d) => Inbox.collection.insertMany(d as never[], { ordered: false }));
      }
      return written;
    },

    /**
     * The early statuses (see recordRecipientStatuses) of recipients whose `sent` is being written
     * now, by message: only those naming the provider id that send got. `ids`: their inbox entries,
     * to drop once the write that folds them in (foldEarlyStatuses) is done.
     */
    async earlyStatuses(
      tenantId: string,
      sent: { messageId: string; providerMessageId: string }[],
    ): Promise<{ byMessage: Map<string, RecipientStatus[]>; ids: string[] }> {
      const byMessage = new Map<string, RecipientStatus[]>();
      const ids: string[] = [];
      if (sent.length === 0) return { byMessage, ids };
      const pmid = new Map(sent.map((s) => [s.messageId, s.providerMessageId]));
      const waiting = await Inbox.find({ tenantId, messageId: { $in: [...pmid.keys()] } }).lean<
        (RecipientStatus & { _id: string })[]
      >();
      for (const w of waiting) {
        if (pmid.get(w.messageId) !== w.providerMessageId) continue;
        const { _id, ...st } = w;
        byMessage.set(w.messageId, [...(byMessage.get(w.messageId) ?? []), { ...st, at: new Date(st.at) }]);
        ids.push(_id);
      }
      return { byMessage, ids };
    },

    /** Inbox entries applied (folded into their recipients' records). */
    async dropEarlyStatuses(ids: string[]): Promise<void> {
      if (ids.length > 0) await Inbox.deleteMany({ _id: { $in: ids } });
    },

    /**
     * Statuses that came before their recipients' `sent` was written (see recordRecipientStatuses),
     * applied now where the record has the provider id they name; applied ones leave the inbox.
     */
    async applyRecipientInbox(
      tenantId: string,
      which: { messageIds: string[] } | { broadcastId: string },
    ): Promise<number> {
      if ('messageIds' in which && which.messageIds.length === 0) return 0;
      const q =
        'messageIds' in which
          ? { tenantId, messageId: { $in: which.messageIds } }
          : { tenantId, broadcastId: which.broadcastId };
      const waiting = await Inbox.find(q).lean<(RecipientStatus & { _id: string })[]>();
      if (waiting.length === 0) return 0;
      // One by one: FerretDB runs an `_id: {$in}` query as a scan of the collection.
      const docs = (
        await Promise.all(
          [...new Set(waiting.map((w) => docId(tenantId, w.messageId)))].map((_id) =>
            Message.findById(_id, { providerMessageId: 1 }).lean<
              Pick<MessageHistoryDoc, '_id' | 'providerMessageId'>
            >(),
          ),
        )
      ).filter((d) => d !== null);
      const pmid = new Map(docs.map((d) => [d._id, d.providerMessageId]));
      const due = waiting.filter((w) => pmid.get(docId(tenantId, w.messageId)) === w.providerMessageId);
      // In status order, so a delivered is applied before a read of the same message.
      due.sort((a, b) => RANK_OF(a.status) - RANK_OF(b.status));
      await bulkWriteInSmallCommands(
        Message,
        due.flatMap((w) => statusOps(tenantId, { ...w, at: new Date(w.at) })),
      );
      if (due.length > 0) await Inbox.deleteMany({ _id: { $in: due.map((w) => w._id) } });
      return due.length;
    },

    /**
     * Statuses kept in the journal for sends whose records were written already (stored just too
     * late to join that write): applied now, forward only, and dropped. One whose record holds
     * another provider id (the send was superseded) or a later status changes nothing.
     */
    async applyJournalLeftovers(tenantId: string, which: LeftoverScope): Promise<number> {
      const left = await journal.statusesLeft(tenantId, which);
      if (left.ids.length === 0) return 0;
      // In status order, so a delivered is applied before a read of the same message.
      const ordered = [...left.statuses].sort((a, b) => RANK_OF(a.status) - RANK_OF(b.status));
      const moved = await bulkWriteInSmallCommands(
        Message,
        ordered.flatMap((st) => statusOps(tenantId, st)),
      );
      await journal.drop(
        tenantId,
        'foldBatch' in which ? which : { broadcastId: which.broadcastId },
        left.ids,
      );
      return moved;
    },

    /** Seed markAsFailed: failed_at, error_message, retry_count + 1 (once per workflow run). */
    recordFailed(
      tenantId: string,
      messageId: string,
      f: { at: Date; errorCode: string | null; errorMessage: string; retryable: boolean; runId: string },
    ): Promise<Moved> {
      return transition(
        tenantId,
        messageId,
        'failed',
        {
          failedAt: f.at,
          errorCode: f.errorCode,
          errorMessage: f.errorMessage,
          retryable: f.retryable,
          lastFailedRunId: f.runId,
        },
        { retryCount: 1 },
      );
    },

    recordCancelled(tenantId: string, messageId: string, at: Date): Promise<Moved> {
      return transition(tenantId, messageId, 'cancelled', { cancelledAt: at });
    },

    async get(tenantId: string, messageId: string): Promise<MessageHistoryDoc | null> {
      return Message.findOne({
        _id: docId(tenantId, messageId),
        tenantId,
        deletedAt: null,
      }).lean<MessageHistoryDoc>();
    },

    async findByProviderMessageId(
      provider: string,
      providerMessageId: string,
    ): Promise<Pick<MessageHistoryDoc, 'tenantId' | 'messageId'> | null> {
      return Message.findOne({ provider, providerMessageId }, { tenantId: 1, messageId: 1 }).lean<
        Pick<MessageHistoryDoc, 'tenantId' | 'messageId'>
      >();
    },

    async list(
      tenantId: string,
      f: MessageListFilter,
    ): Promise<{ items: MessageHistoryDoc[]; nextCursor: string | null }> {
      const q: Record<string, unknown> = { tenantId, deletedAt: null };
      if (f.senderId) q.senderId = f.senderId;
      if (f.broadcastId) q.broadcastId = f.broadcastId;
      if (f.status) q.status = f.status;
      if (f.recipientPhone) q.recipientPhone = f.recipientPhone;
      const range: Record<string, Date> = {};
      if (f.since) range.$gte = f.since;
      if (f.until) range.$lt = f.until;
      if (Object.keys(range).length > 0) q.createdAt = range;
      const c = f.cursor ? decodeCursor(f.cursor) : null;
      if (c) q.$or = [{ createdAt: { ...range, $lt: c.at } }, { createdAt: c.at, _id: { $lt: c.id } }];
      const items = await Message.find(q)
        .sort({ createdAt: -1, _id: -1 })
        .limit(f.limit + 1)
        .lean<MessageHistoryDoc[]>();
      const page = items.slice(0, f.limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: items.length > f.limit && last ? encodeCursor(last) : null };
    },

    isValidCursor: (cursor: string) => decodeCursor(cursor) !== null,

    /** Counts and rates by status, provider, sender and UTC period (GET /v1/stats). */
    stats: createMessageStatsRepository(conn).stats,
  };
}

export type MessageHistoryRepository = ReturnType<typeof createMessageHistoryRepository>;
