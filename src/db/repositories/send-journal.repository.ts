import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { parseRecipientMessageId } from '../../domain/broadcast';
import { insertMissing } from '../connection';
import { sendJournalModel, type JournaledStatus } from '../models/send-journal.model';

/** A send a broadcast chunk journaled, with the journal batch it came in and when that was written. */
export interface JournaledSend {
  messageId: string;
  providerMessageId: string;
  at: Date;
  createdAt: Date;
  foldBatch: string;
}

/** The statuses and journal documents of some journal batches, to write into their records and drop. */
export interface JournalContents {
  /** Statuses by message id, each naming its send's provider id. */
  byMessage: Map<string, JournaledStatus[]>;
  ids: string[];
}

/** Which leftover statuses (see statusesLeft). */
export type LeftoverScope = { foldBatch: string } | { broadcastId: string; foldBatches?: string[] };

/** The equality a leftover scope is read and dropped by. */
const scopeOf = (which: LeftoverScope) =>
  'foldBatch' in which ? { foldBatch: which.foldBatch } : { broadcastId: which.broadcastId };

const keyOf = (s: { messageId: string; providerMessageId: string }) =>
  `${s.messageId}:${s.providerMessageId}`;

/**
 * The send journal of broadcasts (see SendJournalDoc): a chunk's answered sends, stored at once and
 * written to their records a moment later together with the statuses that came meanwhile. Reads
 * and drops go by journal batch or by broadcast: equalities FerretDB filters in PostgreSQL.
 */
export function createSendJournalRepository(conn: Connection) {
  const Journal = sendJournalModel(conn);

  /** Inserts documents; one already there (a retried write, a webhook delivered twice) is kept. */
  const insertKeepingFirst = (docs: object[]) =>
    insertMissing(docs, (d) => Journal.collection.insertMany(d as never[], { ordered: false }));

  return {
    /** One journal batch of a broadcast's answered sends (`foldBatch`: its id, unique per write). */
    async journalSent(
      tenantId: string,
      foldBatch: string,
      sends: { messageId: string; providerMessageId: string; at: Date }[],
    ): Promise<void> {
      const broadcastId = sends[0] && parseRecipientMessageId(sends[0].messageId)?.broadcastId;
      if (!broadcastId) return;
      await insertKeepingFirst([
        {
          _id: foldBatch,
          tenantId,
          broadcastId,
          foldBatch,
          kind: 'sent',
          sends: sends.map((s) => ({
            messageId: s.messageId,
            providerMessageId: s.providerMessageId,
            at: s.at,
          })),
          statuses: [],
          createdAt: new Date(),
        },
      ]);
    },

    /** A broadcast's sends still in the journal, oldest first. */
    async journaledSends(tenantId: string, broadcastId: string): Promise<JournaledSend[]> {
      const docs = await Journal.find(
        { tenantId, broadcastId, kind: 'sent' },
        { sends: 1, foldBatch: 1, createdAt: 1 },
      ).lean();
      return docs
        .flatMap((d) =>
          d.sends.map((s) => ({
            messageId: s.messageId,
            providerMessageId: s.providerMessageId,
            at: new Date(s.at),
            createdAt: new Date(d.createdAt),
            foldBatch: d.foldBatch,
          })),
        )
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },

    /** The journal batch of each status's send still in the journal, by `<messageId>:<providerMessageId>`. */
    async batchesOf(
      tenantId: string,
      statuses: { messageId: string; providerMessageId: string }[],
    ): Promise<Map<string, string>> {
      const broadcasts = new Set(
        statuses.flatMap((st) => parseRecipientMessageId(st.messageId)?.broadcastId ?? []),
      );
      const found = new Map<string, string>();
      for (const broadcastId of broadcasts)
        for (const d of await Journal.find(
          { tenantId, broadcastId, kind: 'sent' },
          { sends: 1, foldBatch: 1 },
        ).lean())
          for (const s of d.sends) found.set(keyOf(s), d.foldBatch);
      return found;
    },

    /**
     * Statuses of journaled sends, kept with their batches: one document per batch of this call,
     * whose id says what it holds (a webhook delivered again adds nothing).
     */
    async keepStatuses(
      tenantId: string,
      statuses: JournaledStatus[],
      batchOf: Map<string, string>,
    ): Promise<void> {
      const byBatch = new Map<string, JournaledStatus[]>();
      for (const st of statuses) {
        const b = batchOf.get(keyOf(st));
        if (b) byBatch.set(b, [...(byBatch.get(b) ?? []), st]);
      }
      await insertKeepingFirst(
        [...byBatch].map(([foldBatch, list]) => ({
          _id: `${foldBatch}:${createHash('sha256')
            .update(
              list
                .map((st) => `${keyOf(st)}:${st.status}`)
                .sort()
                .join('|'),
            )
            .digest('base64url')
            .slice(0, 22)}`,
          tenantId,
          broadcastId: parseRecipientMessageId((list[0] as JournaledStatus).messageId)?.broadcastId ?? '',
          foldBatch,
          kind: 'statuses',
          sends: [],
          statuses: list.map((st) => ({ ...st, error: st.error ?? null })),
          createdAt: new Date(),
        })),
      );
    },

    /** What some journal batches hold: their statuses by message, and every document's id. */
    async contents(tenantId: string, foldBatches: string[]): Promise<JournalContents> {
      const byMessage = new Map<string, JournaledStatus[]>();
      const ids: string[] = [];
      for (const foldBatch of foldBatches)
        for (const d of await Journal.find({ tenantId, foldBatch }).lean()) {
          ids.push(d._id);
          for (const st of d.statuses)
            byMessage.set(st.messageId, [
              ...(byMessage.get(st.messageId) ?? []),
              { ...st, at: new Date(st.at) },
            ]);
        }
      return { byMessage, ids };
    },

    /**
     * Statuses kept for journal batches whose sends were written already (stored just too late to
     * join): of one batch, or of a broadcast — all of them, or of `foldBatches` only (one read for
     * many batches).
     */
    async statusesLeft(
      tenantId: string,
      which: LeftoverScope,
    ): Promise<{ statuses: JournaledStatus[]; ids: string[] }> {
      const only = 'foldBatches' in which && which.foldBatches ? new Set(which.foldBatches) : null;
      const docs = (await Journal.find({ tenantId, ...scopeOf(which), kind: 'statuses' }).lean()).filter(
        (d) => !only || only.has(d.foldBatch),
      );
      return {
        statuses: docs.flatMap((d) => d.statuses.map((st) => ({ ...st, at: new Date(st.at) }))),
        ids: docs.map((d) => d._id),
      };
    },

    /** Drops journal documents that were written into their records (`scope`: an equality that holds them). */
    async drop(
      tenantId: string,
      scope: { foldBatch: string } | { broadcastId: string },
      ids: string[],
    ): Promise<void> {
      if (ids.length > 0) await Journal.deleteMany({ tenantId, ...scope, _id: { $in: ids } });
    },
  };
}

export type SendJournalRepository = ReturnType<typeof createSendJournalRepository>;
