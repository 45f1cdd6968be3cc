import type { Connection } from 'mongoose';
import { DomainError } from '../../domain/errors';
import {
  periodsBetween,
  statsAccumulator,
  type MessageStats,
  type StatsGranularity,
  type StatsRecord,
} from '../../domain/message-stats';
import { messageHistoryModel } from '../models/message-history.model';

export interface StatsQuery {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  granularity: StatsGranularity;
  senderId?: string;
  provider?: string;
}

/** The most frequent error codes listed in `failures`. */
export const MAX_FAILURE_CODES = 20;
/** Records one call may read; a range holding more is refused (422) rather than left to run. */
export const MAX_STATS_RECORDS = 100_000;

/**
 * Statistics over message history: ONE find of the range's records, projected to the eight
 * fields statistics read, streamed and folded in TypeScript (src/domain/message-stats.ts).
 * Measured on FerretDB 1.24 (bench/stats.ts, 10,000 records in range): this find costs one scan
 * (~2 s on the loaded 2-core box); a `$group` keyed by (status, provider, sender, day, code) took
 * ~9 s there (its cost grows with groups × records), a countDocuments per (status, period) one
 * scan each, and a `$group` with two accumulators is silently wrong. The same find is cheap on
 * MongoDB, and nothing is stored at write time for it.
 */
export function createMessageStatsRepository(conn: Connection, maxRecords = MAX_STATS_RECORDS) {
  const Message = messageHistoryModel(conn);

  return {
    async stats(tenantId: string, q: StatsQuery): Promise<MessageStats> {
      const filter: Record<string, unknown> = {
        tenantId,
        deletedAt: null,
        createdAt: { $gte: q.from, $lt: q.to },
      };
      if (q.senderId) filter.senderId = q.senderId;
      if (q.provider) filter.provider = q.provider;

      const acc = statsAccumulator(
        q.granularity,
        periodsBetween(q.from, q.to, q.granularity),
        MAX_FAILURE_CODES,
      );
      const cursor = Message.find(filter, {
        _id: 0,
        messageId: 1,
        status: 1,
        provider: 1,
        senderId: 1,
        createdAt: 1,
        errorCode: 1,
        errorMessage: 1,
        failedAt: 1,
      })
        .lean<StatsRecord[]>()
        .cursor({ batchSize: 1000 });
      let read = 0;
      try {
        for await (const r of cursor) {
          if (++read > maxRecords)
            throw new DomainError(
              'unprocessable',
              'stats_range_too_large',
              `More than ${maxRecords} messages in this range: ask for a shorter range or filter by senderId or provider`,
            );
          acc.add(r as StatsRecord);
        }
      } finally {
        await cursor.close();
      }
      return acc.result();
    },
  };
}

export type MessageStatsRepository = ReturnType<typeof createMessageStatsRepository>;
