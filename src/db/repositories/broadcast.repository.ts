import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import {
  BROADCAST_CHUNK_SIZE,
  emptyCounts,
  type BroadcastCounts,
  type BroadcastRecipient,
  type BroadcastStatus,
} from '../../domain/broadcast';
import { MESSAGE_STATUSES, statusesBefore, type MessageStatus } from '../../domain/message';
import { bulkWriteInSmallCommands } from '../bulk-writes';
import { insertMissing } from '../connection';
import {
  createMessageHistoryRepository,
  foldEarlyStatuses,
  type RecipientStatus,
} from './message-history.repository';
import { createSendJournalRepository } from './send-journal.repository';
import { broadcastChunkModel, broadcastModel, type BroadcastDoc } from '../models/broadcast.model';
import { messageHistoryModel, type MessageHistoryDoc } from '../models/message-history.model';

const docId = (tenantId: string, id: string) => `${tenantId}:${id}`;

/** Cursor = base64url of `<createdAt ms>|<_id>`: newest first, stable under equal timestamps. */
const encodeCursor = (d: Pick<BroadcastDoc, 'createdAt' | '_id'>) =>
  Buffer.from(`${d.createdAt.getTime()}|${d._id}`).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [ms, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(Number(ms));
  return rest.length === 0 || Number.isNaN(at.getTime()) ? null : { at, id: rest.join('|') };
}

/** What a chunk's send produced for one recipient (one bulk write for many). */
export type RecipientOutcome =
  | { messageId: string; kind: 'sent'; providerMessageId: string; at: Date }
  | {
      messageId: string;
      kind: 'failed';
      at: Date;
      errorCode: string | null;
      errorMessage: string;
      retryable: boolean;
    }
  | {
      messageId: string;
      kind: 'retrying';
      rounds: number;
      errorCode: string | null;
      errorMessage: string;
      nextAttemptAt: Date;
    };

/** A recipient's record as the chunk sender needs it. */
export type RecipientRecord = Pick<
  MessageHistoryDoc,
  'messageId' | 'broadcastIndex' | 'status' | 'sendRounds' | 'nextAttemptAt'
>;

/**
 * Broadcasts (issue 18): the broadcast document and its recipients (chunks), and the bulk reads and
 * writes over its recipients' message records. Every write is idempotent (upserts, inserts that
 * ignore an existing record, and conditional updates whose filter names the statuses a record may
 * move from), so a retried activity or a redelivered webhook changes nothing twice.
 */
export function createBroadcastRepository(conn: Connection) {
  const Broadcast = broadcastModel(conn);
  const Chunk = broadcastChunkModel(conn);
  const Message = messageHistoryModel(conn);
  const history = createMessageHistoryRepository(conn);
  const journal = createSendJournalRepository(conn);

  const recipientsOf = (tenantId: string, broadcastId: string) => ({
    tenantId,
    broadcastId,
    deletedAt: null,
  });

  return {
    /**
     * The accepted broadcast: its recipients in chunks first, then the broadcast itself (both
     * upserts: a request retried after a crash writes nothing twice). True when this call created it.
     */
    async create(
      b: Omit<
        BroadcastDoc,
        '_id' | 'chunkCount' | 'status' | 'startedAt' | 'pausedAt' | 'finishedAt' | 'updatedAt'
      >,
      recipients: BroadcastRecipient[],
    ): Promise<boolean> {
      const chunkCount = Math.ceil(recipients.length / BROADCAST_CHUNK_SIZE);
      const ops = Array.from({ length: chunkCount }, (_, chunk) => {
        const first = chunk * BROADCAST_CHUNK_SIZE;
        const _id = `${docId(b.tenantId, b.broadcastId)}:${chunk}`;
        return {
          updateOne: {
            filter: { _id },
            update: {
              $setOnInsert: {
                _id,
                tenantId: b.tenantId,
                broadcastId: b.broadcastId,
                chunk,
                first,
                recipients: recipients.slice(first, first + BROADCAST_CHUNK_SIZE),
              },
            },
            upsert: true,
          },
        };
      });
      await bulkWriteInSmallCommands(Chunk, ops);
      const res = await Broadcast.updateOne(
        { _id: docId(b.tenantId, b.broadcastId) },
        {
          $setOnInsert: {
            ...b,
            chunkCount,
            status: b.notBefore && b.notBefore.getTime() > Date.now() ? 'scheduled' : 'running',
            startedAt: null,
            pausedAt: null,
            finishedAt: null,
            updatedAt: b.createdAt,
          },
        },
        { upsert: true },
      );
      return res.upsertedCount === 1;
    },

    async get(tenantId: string, broadcastId: string): Promise<BroadcastDoc | null> {
      return Broadcast.findOne({ _id: docId(tenantId, broadcastId), tenantId }).lean<BroadcastDoc>();
    },

    async list(
      tenantId: string,
      f: { senderId?: string; status?: BroadcastStatus; since?: Date; limit: number; cursor?: string },
    ): Promise<{ items: BroadcastDoc[]; nextCursor: string | null }> {
      const q: Record<string, unknown> = { tenantId };
      if (f.senderId) q.senderId = f.senderId;
      if (f.status) q.status = f.status;
      if (f.since) q.createdAt = { $gte: f.since };
      const c = f.cursor ? decodeCursor(f.cursor) : null;
      if (c)
        q.$or = [
          { createdAt: { ...(f.since ? { $gte: f.since } : {}), $lt: c.at } },
          { createdAt: c.at, _id: { $lt: c.id } },
        ];
      const items = await Broadcast.find(q)
        .sort({ createdAt: -1, _id: -1 })
        .limit(f.limit + 1)
        .lean<BroadcastDoc[]>();
      const page = items.slice(0, f.limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: items.length > f.limit && last ? encodeCursor(last) : null };
    },

    isValidCursor: (cursor: string) => decodeCursor(cursor) !== null,

    /** The workflow's status changes: started, paused, resumed, finished. */
    async setStatus(tenantId: string, broadcastId: string, status: BroadcastStatus, at: Date): Promise<void> {
      const set: Partial<BroadcastDoc> = { status, updatedAt: new Date() };
      if (status === 'paused') set.pausedAt = at;
      if (status === 'running') set.pausedAt = null;
      if (status === 'completed' || status === 'cancelled') set.finishedAt = at;
      await Broadcast.updateOne({ _id: docId(tenantId, broadcastId) }, { $set: set });
      // The first start sets startedAt; a resume leaves it.
      if (status === 'running')
        await Broadcast.updateOne(
          { _id: docId(tenantId, broadcastId), startedAt: null },
          { $set: { startedAt: at } },
        );
    },

    /** The status an operator asked for, as the chunk sender polls it (paused / cancelled stop it). */
    async statusOf(tenantId: string, broadcastId: string): Promise<BroadcastStatus | null> {
      const d = await Broadcast.findOne({ _id: docId(tenantId, broadcastId) }, { status: 1 }).lean<
        Pick<BroadcastDoc, 'status'>
      >();
      return d?.status ?? null;
    },

    async chunk(tenantId: string, broadcastId: string, chunk: number) {
      return Chunk.findById(`${docId(tenantId, broadcastId)}:${chunk}`).lean<{
        first: number;
        recipients: BroadcastRecipient[];
      }>();
    },

    /**
     * Writes records that are not there yet (a retried activity finds some of them written).
     * Answers how many this call wrote.
     */
    insertRecords(records: Omit<MessageHistoryDoc, 'deletedAt'>[]): Promise<number> {
      return insertMissing(
        records.map((r) => ({ ...r, deletedAt: null })),
        (fresh) => Message.insertMany(fresh, { ordered: false, lean: true }),
      );
    },

    /**
     * The records of one chunk's recipients. By the chunk number they carry: on FerretDB a range on
     * `broadcastIndex` is filtered after reading every record of the broadcast (5,000 of them for a
     * chunk of 1,000, seconds between chunks); records written before `broadcastChunk` existed are
     * found by their index range.
     */
    async records(tenantId: string, broadcastId: string, chunk: number): Promise<RecipientRecord[]> {
      const fields = { messageId: 1, broadcastIndex: 1, status: 1, sendRounds: 1, nextAttemptAt: 1 };
      const byChunk = await Message.find(
        { ...recipientsOf(tenantId, broadcastId), broadcastChunk: chunk },
        fields,
      ).lean<RecipientRecord[]>();
      if (byChunk.length > 0) return byChunk;
      const from = chunk * BROADCAST_CHUNK_SIZE;
      return Message.find(
        {
          ...recipientsOf(tenantId, broadcastId),
          broadcastIndex: { $gte: from, $lt: from + BROADCAST_CHUNK_SIZE },
        },
        fields,
      ).lean<RecipientRecord[]>();
    },

    /** A chunk's outcomes in one round trip; each write applies only from the statuses it may move from. */
    async recordOutcomes(
      tenantId: string,
      outcomes: RecipientOutcome[],
      early: ReadonlyMap<string, RecipientStatus[]> = new Map(),
    ): Promise<void> {
      if (outcomes.length === 0) return;
      const now = new Date();
      const ops = outcomes.flatMap((o): AnyBulkWriteOperation<MessageHistoryDoc>[] => {
        const _id = docId(tenantId, o.messageId);
        if (o.kind === 'sent') {
          // (No delivered or read can overtake this write: a webhook status applies only to a record
          // that holds its provider id, which this write sets; one that came earlier waits in the
          // inbox, and those read before this write are folded into it: one write, not two.)
          const folded = foldEarlyStatuses(early.get(o.messageId) ?? []);
          return [
            {
              updateOne: {
                filter: { _id, status: { $in: statusesBefore('sent') } },
                update: {
                  $set: {
                    status: folded.status,
                    providerMessageId: o.providerMessageId,
                    sentAt: o.at,
                    nextAttemptAt: null,
                    notifyPending: true,
                    updatedAt: now,
                    ...folded.set,
                  },
                },
              },
            },
          ];
        }
        if (o.kind === 'failed')
          return [
            {
              updateOne: {
                filter: { _id, status: { $in: statusesBefore('failed') } },
                update: {
                  $set: {
                    status: 'failed',
                    failedAt: o.at,
                    errorCode: o.errorCode,
                    errorMessage: o.errorMessage.slice(0, 1_000),
                    retryable: o.retryable,
                    nextAttemptAt: null,
                    notifyPending: true,
                    updatedAt: now,
                  },
                  $inc: { retryCount: 1 },
                },
              },
            },
          ];
        return [
          {
            updateOne: {
              filter: { _id, status: 'queued' },
              update: {
                $set: {
                  sendRounds: o.rounds,
                  lastErrorCode: o.errorCode,
                  lastErrorMessage: o.errorMessage.slice(0, 1_000),
                  nextAttemptAt: o.nextAttemptAt,
                  updatedAt: now,
                },
              },
            },
          },
        ];
      });
      await bulkWriteInSmallCommands(Message, ops);
    },

    /** Webhook statuses that came before their recipients' `sent` was written, applied now. */
    applyStatusInbox: history.applyRecipientInbox,
    /** Those of recipients whose `sent` is being written, to fold into that write (recordOutcomes). */
    earlyStatuses: history.earlyStatuses,
    dropEarlyStatuses: history.dropEarlyStatuses,
    /** Sends answered and not yet written to their records, and their statuses (see OutcomeWriter). */
    journalSent: journal.journalSent,
    journaledSends: journal.journaledSends,
    journalContents: journal.contents,
    dropJournal: journal.drop,
    applyJournalLeftovers: history.applyJournalLeftovers,

    /** Recipients by status (GET /v1/broadcasts/:id). */
    async counts(tenantId: string, broadcastId: string): Promise<BroadcastCounts> {
      const rows = await Message.aggregate<{ _id: MessageStatus; n: number }>([
        { $match: recipientsOf(tenantId, broadcastId) },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ]);
      const counts = emptyCounts();
      for (const r of rows) if ((MESSAGE_STATUSES as readonly string[]).includes(r._id)) counts[r._id] = r.n;
      return counts;
    },

    /** Recipients sent since `since` (the current rate, for the ETA). */
    async sentSince(tenantId: string, broadcastId: string, since: Date): Promise<number> {
      return Message.countDocuments({ ...recipientsOf(tenantId, broadcastId), sentAt: { $gte: since } });
    },

    /** Recipients whose status changed since their tenant's callback last heard. */
    async pendingNotifications(
      tenantId: string,
      broadcastId: string,
      limit: number,
    ): Promise<MessageHistoryDoc[]> {
      return Message.find({ ...recipientsOf(tenantId, broadcastId), notifyPending: true })
        .limit(limit)
        .lean<MessageHistoryDoc[]>();
    },

    /**
     * The callback heard of `status`: pending ends unless the status moved meanwhile (then the next
     * sweep reports the rest). `gaveUp`: the delivery failed for good; pending ends anyway.
     */
    async markNotified(
      tenantId: string,
      messageId: string,
      status: MessageStatus,
      r: { delivered: boolean; gaveUp?: boolean },
    ): Promise<void> {
      const _id = docId(tenantId, messageId);
      if (!r.delivered && !r.gaveUp) {
        await Message.updateOne({ _id }, { $inc: { notifyAttempts: 1 } });
        return;
      }
      await Message.updateOne(
        { _id, status },
        { $set: { notifyPending: false, notifiedStatus: status, notifyAttempts: 0 } },
      );
      await Message.updateOne(
        { _id, status: { $ne: status } },
        { $set: { notifiedStatus: status, notifyAttempts: 0 } },
      );
    },

    /** Cancel: every recipient still queued becomes cancelled (in-flight sends finish as they do). */
    async cancelQueued(tenantId: string, broadcastId: string, at: Date): Promise<number> {
      const res = await Message.updateMany(
        { ...recipientsOf(tenantId, broadcastId), status: 'queued' },
        {
          $set: {
            status: 'cancelled',
            cancelledAt: at,
            nextAttemptAt: null,
            notifyPending: true,
            updatedAt: new Date(),
          },
        },
      );
      return res.modifiedCount;
    },

    /** Recipients not in a final status (the follow of callbacks ends when none is left). */
    async openCount(tenantId: string, broadcastId: string): Promise<number> {
      return Message.countDocuments({
        ...recipientsOf(tenantId, broadcastId),
        status: { $in: ['queued', 'sent', 'delivered'] },
      });
    },
  };
}

export type BroadcastRepository = ReturnType<typeof createBroadcastRepository>;
