import {
  createMessageHistoryRepository,
  type MessageHistoryRepository,
} from '../../src/db/repositories/message-history.repository';
import {
  createMessageStatsRepository,
  type StatsQuery,
} from '../../src/db/repositories/message-stats.repository';
import { DomainError } from '../../src/domain/errors';
import { seedStats, type StatsFixture } from '../helpers/stats-data';
import { useDatabase } from '../fixtures/infra';

const A = 'tenant-stats-a';
const B = 'tenant-stats-b';

/**
 * Tenant A's messages over three UTC days, two of them around midnight 03-01 → 03-02, on all four
 * providers; tenant B uses the same sender id and error code (with a newer failure) so any leak
 * would change A's figures. Outside every range of A: a13 (before), a14 (at the exclusive end),
 * a15 (deleted).
 */
const DATA: StatsFixture[] = [
  {
    id: 'a01',
    tenantId: A,
    at: '2025-03-01T10:05:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
  },
  {
    id: 'a02',
    tenantId: A,
    at: '2025-03-01T10:40:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'delivered',
  },
  {
    id: 'a03',
    tenantId: A,
    at: '2025-03-01T23:30:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'failed',
    error: { code: '131026', message: 'Message undeliverable', at: '2025-03-01T23:31:00Z' },
  },
  {
    id: 'a04',
    tenantId: A,
    at: '2025-03-01T23:59:59.999Z',
    provider: '360dialog',
    senderId: 's-360',
    status: 'sent',
  },
  {
    id: 'a05',
    tenantId: A,
    at: '2025-03-02T00:00:00Z',
    provider: '360dialog',
    senderId: 's-360',
    status: 'read',
  },
  {
    id: 'a06',
    tenantId: A,
    at: '2025-03-02T00:15:00Z',
    provider: 'twilio',
    senderId: 's-twilio',
    status: 'failed',
    error: { code: '63016', message: 'Outside the 24 hour window', at: '2025-03-02T00:16:00Z' },
  },
  {
    id: 'a07',
    tenantId: A,
    at: '2025-03-02T00:45:00Z',
    provider: 'twilio',
    senderId: 's-twilio',
    status: 'failed',
    error: { code: '63016', message: 'Window closed again', at: '2025-03-02T00:50:00Z' },
  },
  {
    id: 'a08',
    tenantId: A,
    at: '2025-03-02T01:10:00Z',
    provider: 'whatsapp_web',
    senderId: 'shop',
    status: 'sent',
  },
  {
    id: 'a09',
    tenantId: A,
    at: '2025-03-02T01:20:00Z',
    provider: 'whatsapp_web',
    senderId: 'shop',
    status: 'queued',
  },
  {
    id: 'a10',
    tenantId: A,
    at: '2025-03-02T01:30:00Z',
    provider: 'whatsapp_web',
    senderId: 'shop',
    status: 'cancelled',
  },
  {
    id: 'a11',
    tenantId: A,
    at: '2025-03-02T09:00:00Z',
    provider: 'meta',
    senderId: 's-meta2',
    status: 'failed',
    error: { code: null, message: 'Gateway timeout', at: '2025-03-02T09:05:00Z' },
  },
  {
    id: 'a12',
    tenantId: A,
    at: '2025-03-03T12:00:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'delivered',
  },
  {
    id: 'a13',
    tenantId: A,
    at: '2025-02-28T23:59:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
  },
  {
    id: 'a14',
    tenantId: A,
    at: '2025-03-04T00:00:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
  },
  {
    id: 'a15',
    tenantId: A,
    at: '2025-03-02T05:00:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
    deleted: true,
  },
  {
    id: 'a16',
    tenantId: A,
    at: '2025-03-02T23:00:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
  },
  {
    id: 'b01',
    tenantId: B,
    at: '2025-03-01T10:00:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'failed',
    error: { code: '131026', message: 'Tenant B failure', at: '2025-03-02T00:00:00Z' },
  },
  {
    id: 'b02',
    tenantId: B,
    at: '2025-03-02T00:30:00Z',
    provider: 'meta',
    senderId: 's-meta',
    status: 'read',
  },
];

/** Counts in MESSAGE_STATUSES order: total, queued, sent, delivered, read, failed, cancelled. */
const c = (
  total: number,
  queued: number,
  sent: number,
  delivered: number,
  read: number,
  failed: number,
  cancelled: number,
) => ({
  total,
  queued,
  sent,
  delivered,
  read,
  failed,
  cancelled,
});
const r = (delivery: number | null, read: number | null) => ({ delivery, read });

const DAYS: StatsQuery = {
  from: new Date('2025-03-01T00:00:00Z'),
  to: new Date('2025-03-04T00:00:00Z'),
  granularity: 'day',
};

describe('message statistics on the real FerretDB (repository)', () => {
  const db = useDatabase();
  let messages: MessageHistoryRepository;

  beforeAll(async () => {
    messages = createMessageHistoryRepository(db.conn);
    await seedStats(db.conn, messages, DATA);
  });

  it('daily: every figure of tenant A over 2025-03-01 .. 2025-03-03 (UTC)', async () => {
    // In range: a01-a12 and a16 (13). Rates: delivery (2+3)/(2+2+3+4) = 5/11, read 3/(2+3).
    expect(await messages.stats(A, DAYS)).toEqual({
      totals: c(13, 1, 2, 2, 3, 4, 1),
      rates: r(0.4545, 0.6),
      byProvider: [
        { provider: '360dialog', counts: c(2, 0, 1, 0, 1, 0, 0), rates: r(0.5, 1) },
        { provider: 'meta', counts: c(6, 0, 0, 2, 2, 2, 0), rates: r(0.6667, 0.5) },
        { provider: 'twilio', counts: c(2, 0, 0, 0, 0, 2, 0), rates: r(0, null) },
        { provider: 'whatsapp_web', counts: c(3, 1, 1, 0, 0, 0, 1), rates: r(0, null) },
      ],
      bySender: [
        { senderId: 's-360', counts: c(2, 0, 1, 0, 1, 0, 0), rates: r(0.5, 1) },
        { senderId: 's-meta', counts: c(5, 0, 0, 2, 2, 1, 0), rates: r(0.8, 0.5) },
        { senderId: 's-meta2', counts: c(1, 0, 0, 0, 0, 1, 0), rates: r(0, null) },
        { senderId: 's-twilio', counts: c(2, 0, 0, 0, 0, 2, 0), rates: r(0, null) },
        { senderId: 'shop', counts: c(3, 1, 1, 0, 0, 0, 1), rates: r(0, null) },
      ],
      byPeriod: [
        // a01 read, a02 delivered, a03 failed, a04 sent (23:59:59.999).
        { period: '2025-03-01', start: '2025-03-01T00:00:00.000Z', counts: c(4, 0, 1, 1, 1, 1, 0) },
        // a05 (00:00:00 exactly) read, a06 a07 a11 failed, a08 sent, a09 queued, a10 cancelled, a16 read.
        { period: '2025-03-02', start: '2025-03-02T00:00:00.000Z', counts: c(8, 1, 1, 0, 2, 3, 1) },
        { period: '2025-03-03', start: '2025-03-03T00:00:00.000Z', counts: c(1, 0, 0, 1, 0, 0, 0) },
      ],
      failures: [
        {
          errorCode: '63016',
          count: 2,
          latest: {
            messageId: 'a07',
            errorMessage: 'Window closed again',
            failedAt: '2025-03-02T00:50:00.000Z',
          },
        },
        {
          errorCode: '131026',
          count: 1,
          latest: {
            messageId: 'a03',
            errorMessage: 'Message undeliverable',
            failedAt: '2025-03-01T23:31:00.000Z',
          },
        },
        {
          errorCode: null,
          count: 1,
          latest: { messageId: 'a11', errorMessage: 'Gateway timeout', failedAt: '2025-03-02T09:05:00.000Z' },
        },
      ],
    });
  });

  it('hourly across UTC midnight: 23:00, 00:00 and 01:00 buckets', async () => {
    const s = await messages.stats(A, {
      from: new Date('2025-03-01T23:00:00Z'),
      to: new Date('2025-03-02T02:00:00Z'),
      granularity: 'hour',
    });
    expect(s.totals).toEqual(c(8, 1, 2, 0, 1, 3, 1));
    expect(s.rates).toEqual(r(0.1667, 1)); // 1 / (2 + 0 + 1 + 3), 1 / 1
    expect(s.byPeriod).toEqual([
      { period: '2025-03-01T23', start: '2025-03-01T23:00:00.000Z', counts: c(2, 0, 1, 0, 0, 1, 0) },
      { period: '2025-03-02T00', start: '2025-03-02T00:00:00.000Z', counts: c(3, 0, 0, 0, 1, 2, 0) },
      { period: '2025-03-02T01', start: '2025-03-02T01:00:00.000Z', counts: c(3, 1, 1, 0, 0, 0, 1) },
    ]);
    expect(s.failures.map((f) => [f.errorCode, f.count, f.latest.messageId])).toEqual([
      ['63016', 2, 'a07'],
      ['131026', 1, 'a03'],
    ]);
  });

  it('hourly: an empty hour is listed with zeros; a16 is in the last hour of its day', async () => {
    const s = await messages.stats(A, {
      from: new Date('2025-03-02T22:00:00Z'),
      to: new Date('2025-03-03T00:00:00Z'),
      granularity: 'hour',
    });
    expect(s.totals).toEqual(c(1, 0, 0, 0, 1, 0, 0));
    expect(s.byPeriod).toEqual([
      { period: '2025-03-02T22', start: '2025-03-02T22:00:00.000Z', counts: c(0, 0, 0, 0, 0, 0, 0) },
      { period: '2025-03-02T23', start: '2025-03-02T23:00:00.000Z', counts: c(1, 0, 0, 0, 1, 0, 0) },
    ]);
    expect(s.bySender).toEqual([{ senderId: 's-meta', counts: c(1, 0, 0, 0, 1, 0, 0), rates: r(1, 1) }]);
  });

  it('filters by sender and by provider', async () => {
    const bySender = await messages.stats(A, { ...DAYS, senderId: 's-meta' });
    expect(bySender.totals).toEqual(c(5, 0, 0, 2, 2, 1, 0));
    expect(bySender.rates).toEqual(r(0.8, 0.5));
    expect(bySender.byProvider.map((p) => p.provider)).toEqual(['meta']);
    expect(bySender.byPeriod.map((p) => p.counts.total)).toEqual([3, 1, 1]);
    expect(bySender.failures.map((f) => [f.errorCode, f.count])).toEqual([['131026', 1]]);

    const twilio = await messages.stats(A, { ...DAYS, provider: 'twilio' });
    expect(twilio.totals).toEqual(c(2, 0, 0, 0, 0, 2, 0));
    expect(twilio.bySender.map((s) => s.senderId)).toEqual(['s-twilio']);
    expect(twilio.failures).toEqual([
      {
        errorCode: '63016',
        count: 2,
        latest: {
          messageId: 'a07',
          errorMessage: 'Window closed again',
          failedAt: '2025-03-02T00:50:00.000Z',
        },
      },
    ]);
  });

  it("another tenant's records are never counted, its own are", async () => {
    const b = await messages.stats(B, DAYS);
    expect(b.totals).toEqual(c(2, 0, 0, 0, 1, 1, 0));
    expect(b.bySender).toEqual([{ senderId: 's-meta', counts: c(2, 0, 0, 0, 1, 1, 0), rates: r(0.5, 1) }]);
    expect(b.failures).toEqual([
      {
        errorCode: '131026',
        count: 1,
        latest: { messageId: 'b01', errorMessage: 'Tenant B failure', failedAt: '2025-03-02T00:00:00.000Z' },
      },
    ]);
    const none = await messages.stats('tenant-stats-none', DAYS);
    expect(none.totals).toEqual(c(0, 0, 0, 0, 0, 0, 0));
    expect(none.rates).toEqual(r(null, null));
    expect([none.byProvider, none.bySender, none.failures]).toEqual([[], [], []]);
    expect(none.byPeriod.map((p) => [p.period, p.counts.total])).toEqual([
      ['2025-03-01', 0],
      ['2025-03-02', 0],
      ['2025-03-03', 0],
    ]);
  });

  it('refuses (422 stats_range_too_large) a range holding more records than the cap', async () => {
    const capped = createMessageStatsRepository(db.conn, 12);
    const err = await capped.stats(A, DAYS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: 'unprocessable', code: 'stats_range_too_large' });
    // 13 records in range: a cap of 13 reads them all.
    expect((await createMessageStatsRepository(db.conn, 13).stats(A, DAYS)).totals.total).toBe(13);
  });
});
