import request from 'supertest';
import type { Express } from 'express';
import { useStack } from '../fixtures/stack';
import { messagingFeature } from '../helpers/messaging';
import { seedStats } from '../helpers/stats-data';

const A = 'tenant-stats-api-a';
const B = 'tenant-stats-api-b';
const HOUR = 3_600_000;

/** `GET /v1/stats` over createApp: query validation, defaults, the answer's shape, tenant isolation. */
describe('GET /v1/stats', () => {
  // No workflow runs here: the records are written through the repository, as activities would.
  const stack = useStack({ queue: 'stats', tenants: [A, B], worker: false });
  let app: Express;
  let keyA: string;
  let keyB: string;
  const recent = new Date(Date.now() - HOUR);

  beforeAll(async () => {
    app = stack.app({ messaging: messagingFeature(stack.deps) });
    keyA = stack.key(A);
    keyB = stack.key(B);
    await seedStats(stack.db.conn, stack.deps.messages, [
      {
        id: 'x1',
        tenantId: A,
        at: '2025-05-10T22:10:00Z',
        provider: 'meta',
        senderId: 'biz',
        status: 'read',
      },
      {
        id: 'x2',
        tenantId: A,
        at: '2025-05-10T23:50:00Z',
        provider: 'twilio',
        senderId: 'tw',
        status: 'failed',
        error: { code: '63016', message: 'Outside the window', at: '2025-05-10T23:51:00Z' },
      },
      {
        id: 'x3',
        tenantId: A,
        at: '2025-05-11T00:05:00Z',
        provider: 'meta',
        senderId: 'biz',
        status: 'delivered',
      },
      {
        id: 'x4',
        tenantId: A,
        at: recent.toISOString(),
        provider: 'whatsapp_web',
        senderId: 'shop',
        status: 'sent',
      },
      {
        id: 'y1',
        tenantId: B,
        at: '2025-05-10T12:00:00Z',
        provider: 'meta',
        senderId: 'biz',
        status: 'queued',
      },
      { id: 'y2', tenantId: B, at: recent.toISOString(), provider: 'meta', senderId: 'biz', status: 'read' },
    ]);
  });

  const get = (key: string, query: Record<string, string> = {}) =>
    request(app).get('/v1/stats').query(query).set('Authorization', `Bearer ${key}`);
  const counts = (total: number, sent: number, delivered: number, read: number, failed: number) => ({
    total,
    queued: 0,
    sent,
    delivered,
    read,
    failed,
    cancelled: 0,
  });

  it('answers every figure for a date range (date-only `to` includes that day)', async () => {
    const res = await get(keyA, { from: '2025-05-10', to: '2025-05-11' }).expect(200);
    expect(res.body).toEqual({
      range: {
        from: '2025-05-10T00:00:00.000Z',
        to: '2025-05-12T00:00:00.000Z',
        granularity: 'day',
        timezone: 'UTC',
      },
      filters: { senderId: null, provider: null },
      totals: counts(3, 0, 1, 1, 1),
      // delivery (1 + 1) / (0 + 1 + 1 + 1), read 1 / (1 + 1)
      rates: { delivery: 0.6667, read: 0.5 },
      byProvider: [
        { provider: 'meta', counts: counts(2, 0, 1, 1, 0), rates: { delivery: 1, read: 0.5 } },
        { provider: 'twilio', counts: counts(1, 0, 0, 0, 1), rates: { delivery: 0, read: null } },
      ],
      bySender: [
        { senderId: 'biz', counts: counts(2, 0, 1, 1, 0), rates: { delivery: 1, read: 0.5 } },
        { senderId: 'tw', counts: counts(1, 0, 0, 0, 1), rates: { delivery: 0, read: null } },
      ],
      byPeriod: [
        { period: '2025-05-10', start: '2025-05-10T00:00:00.000Z', counts: counts(2, 0, 0, 1, 1) },
        { period: '2025-05-11', start: '2025-05-11T00:00:00.000Z', counts: counts(1, 0, 1, 0, 0) },
      ],
      failures: [
        {
          errorCode: '63016',
          count: 1,
          latest: {
            messageId: 'x2',
            errorMessage: 'Outside the window',
            failedAt: '2025-05-10T23:51:00.000Z',
          },
        },
      ],
    });
  });

  it('hourly with date-times and filters', async () => {
    const res = await get(keyA, {
      from: '2025-05-10T23:00:00Z',
      to: '2025-05-11T02:00:00+01:00',
      granularity: 'hour',
      provider: 'meta',
    }).expect(200);
    expect(res.body.range).toEqual({
      from: '2025-05-10T23:00:00.000Z',
      to: '2025-05-11T01:00:00.000Z',
      granularity: 'hour',
      timezone: 'UTC',
    });
    expect(res.body.filters).toEqual({ senderId: null, provider: 'meta' });
    expect(res.body.totals).toEqual(counts(1, 0, 1, 0, 0));
    expect(res.body.byPeriod.map((p: { period: string }) => p.period)).toEqual([
      '2025-05-10T23',
      '2025-05-11T00',
    ]);
  });

  it('defaults to the last 7 days up to now, by day', async () => {
    const before = Date.now();
    const res = await get(keyA).expect(200);
    const { from, to, granularity } = res.body.range;
    expect(granularity).toBe('day');
    expect(Date.parse(to)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(to) - Date.parse(from)).toBe(7 * 24 * HOUR);
    expect(res.body.totals).toEqual(counts(1, 1, 0, 0, 0));
    expect(res.body.byProvider.map((p: { provider: string }) => p.provider)).toEqual(['whatsapp_web']);
    expect(res.body.byPeriod).toHaveLength(8); // 7 x 24 h starting mid-day touch 8 UTC days
  });

  it("another tenant's key sees only its own figures", async () => {
    const b = await get(keyB, { from: '2025-05-10', to: '2025-05-11' }).expect(200);
    expect(b.body.totals).toEqual({ ...counts(1, 0, 0, 0, 0), queued: 1 });
    expect(b.body.bySender).toEqual([
      {
        senderId: 'biz',
        counts: { ...counts(1, 0, 0, 0, 0), queued: 1 },
        rates: { delivery: null, read: null },
      },
    ]);
    expect(b.body.failures).toEqual([]);
    const recentB = await get(keyB).expect(200);
    expect(recentB.body.totals).toEqual(counts(1, 0, 0, 1, 0));
    // Tenant A's sender filter on B's key: B has no messages from `tw`.
    expect(
      (await get(keyB, { from: '2025-05-10', to: '2025-05-11', senderId: 'tw' }).expect(200)).body.totals
        .total,
    ).toBe(0);
  });

  it.each([
    [{ from: 'yesterday' }, 'query.from', 'invalid_format'],
    [{ to: '2025-02-30' }, 'query.to', 'invalid_format'],
    [{ from: '2025-05-10T10:00:00' }, 'query.from', 'invalid_format'], // no zone
    [{ from: '2025-05-11', to: '2025-05-10T00:00:00Z' }, 'query.from', 'before_to'],
    [{ from: '2025-05-10T00:00:00Z', to: '2025-05-10T00:00:00Z' }, 'query.from', 'before_to'],
    [{ from: '2020-01-01' }, 'query.from', 'max_range'],
    [{ from: '2025-01-01', to: '2025-03-01', granularity: 'hour' }, 'query.to', 'max_range'],
    [{ from: '2024-01-01', to: '2025-01-01' }, 'query.to', 'max_range'],
    [{ granularity: 'week' }, 'query.granularity', 'invalid_value'],
    [{ provider: 'telegram' }, 'query.provider', 'invalid_value'],
    [{ senderId: 'bad id!' }, 'query.senderId', 'invalid_format'],
    [{ tenantId: B }, 'query', 'unrecognized_keys'],
  ])('400 for %j naming %s and %s', async (query, field, rule) => {
    const res = await get(keyA, query as Record<string, string>).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field, rule })]);
  });

  it('accepts the longest ranges: 31 days hourly, 366 days daily', async () => {
    await get(keyA, { from: '2025-04-10T00:00:00Z', to: '2025-05-11T00:00:00Z', granularity: 'hour' }).expect(
      200,
    );
    await get(keyA, { from: '2024-05-10', to: '2025-05-11' }).expect(400); // 367 days: the date-only `to` ends 05-12
    const res = await get(keyA, { from: '2024-05-11', to: '2025-05-11' }).expect(200);
    expect(res.body.byPeriod).toHaveLength(366);
  });

  it('401 without a key', async () => {
    await request(app).get('/v1/stats').expect(401);
  });
});
