import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { DeadLetterProvider, RejectedEntry } from '../../domain/dead-letter';
import { boundedJsonText } from '../../domain/storable';
import { isDuplicateKeyError } from '../connection';
import { deadLetterModel, type DeadLetterDoc } from '../models/dead-letter.model';
import type { Page, PageCursor } from '../../domain/page-cursor';
import { afterCursor, newestFirst, pageOf } from '../paging';

/** Characters of an entry's JSON text kept (a 200 KB id is not worth keeping whole). */
export const DEAD_LETTER_ENTRY_CHARS = 16_384;

export interface DeadLetterView {
  id: string;
  provider: DeadLetterProvider;
  kind: DeadLetterDoc['kind'];
  reason: DeadLetterDoc['reason'];
  issues: DeadLetterDoc['issues'];
  providerIds: Record<string, string>;
  entry: string;
  entryTruncated: boolean;
  receivedAt: Date;
  lastReceivedAt: Date;
  deliveries: number;
}

export interface DeadLetterFilter {
  provider?: DeadLetterProvider;
  since?: Date;
  limit: number;
  cursor?: PageCursor;
}

const view = (d: DeadLetterDoc): DeadLetterView => ({
  id: d._id,
  provider: d.provider,
  kind: d.kind,
  reason: d.reason,
  issues: d.issues ?? [],
  providerIds: d.providerIds ?? {},
  entry: d.entry,
  entryTruncated: d.entryTruncated,
  receivedAt: d.receivedAt,
  lastReceivedAt: d.lastReceivedAt,
  deliveries: d.deliveries,
});

/** Dead letters, per tenant (or none), stored once per provider + tenant + entry content. */
export function createDeadLetterRepository(conn: Connection) {
  const DeadLetter = deadLetterModel(conn);
  return {
    /** Stores the entry once (a redelivery counts `deliveries` up); `isNew` on the first time. */
    async record(
      provider: DeadLetterProvider,
      tenantId: string | null,
      r: RejectedEntry,
      now = new Date(),
    ): Promise<{ id: string; isNew: boolean }> {
      // Without a limit for the hash (built without recursion, bounded by the body limit).
      const full = boundedJsonText(r.entry);
      const id = `dlq_${createHash('sha256')
        .update(`${provider}\n${tenantId ?? ''}\n${full}`)
        .digest('hex')
        .slice(0, 32)}`;
      const entryTruncated = full.length > DEAD_LETTER_ENTRY_CHARS;
      try {
        const res = await DeadLetter.updateOne(
          { _id: id },
          {
            $setOnInsert: {
              tenantId,
              provider,
              kind: r.kind,
              reason: r.reason,
              issues: r.issues,
              providerIds: r.providerIds,
              entry: entryTruncated ? `${full.slice(0, DEAD_LETTER_ENTRY_CHARS)}…` : full,
              entryTruncated,
              receivedAt: now,
            },
            $set: { lastReceivedAt: now },
            $inc: { deliveries: 1 },
          },
          { upsert: true },
        );
        return { id, isNew: res.upsertedCount === 1 };
      } catch (err) {
        // Two deliveries racing on the same new entry: one inserts, the other finds it there.
        if (isDuplicateKeyError(err)) return { id, isNew: false };
        throw err;
      }
    },

    /** The tenant's dead letters, newest first (by first receipt), a page at a time. */
    async list(tenantId: string, f: DeadLetterFilter): Promise<Page<DeadLetterView>> {
      const q: Record<string, unknown> = { tenantId };
      if (f.provider) q.provider = f.provider;
      const range: Record<string, Date> = f.since ? { $gte: f.since } : {};
      if (f.since) q.receivedAt = range;
      if (f.cursor) Object.assign(q, afterCursor('receivedAt', f.cursor, range));
      const docs = await DeadLetter.find(q)
        .sort(newestFirst('receivedAt'))
        .limit(f.limit + 1)
        .lean<DeadLetterDoc[]>();
      return pageOf(docs, f.limit, (d) => d.receivedAt, view);
    },

    /** Every dead letter with no tenant (operators and tests; not served by the tenant API). */
    async listUnowned(limit = 100): Promise<DeadLetterView[]> {
      const docs = await DeadLetter.find({ tenantId: null })
        .sort(newestFirst('receivedAt'))
        .limit(limit)
        .lean<DeadLetterDoc[]>();
      return docs.map(view);
    },
  };
}

export type DeadLetterRepository = ReturnType<typeof createDeadLetterRepository>;
