import { MESSAGE_STATUSES } from '../../src/domain/message';
import {
  emptyCounts,
  periodsBetween,
  ratesOf,
  statsAccumulator,
  type StatsRecord,
} from '../../src/domain/message-stats';

const failed = (messageId: string, errorCode: string | null, failedAt: string): StatsRecord => ({
  messageId,
  status: 'failed',
  provider: 'meta',
  senderId: 's',
  createdAt: new Date('2025-03-01T12:00:00Z'),
  errorCode,
  errorMessage: `m ${messageId}`,
  failedAt: new Date(failedAt),
});

describe('message statistics (pure folding)', () => {
  it('lists every UTC period the range touches, partial ones included', () => {
    expect(
      periodsBetween(new Date('2025-03-01T22:30:00Z'), new Date('2025-03-02T01:00:00Z'), 'hour'),
    ).toEqual(['2025-03-01T22', '2025-03-01T23', '2025-03-02T00']);
    expect(periodsBetween(new Date('2025-02-27T12:00:00Z'), new Date('2025-03-01T00:00:01Z'), 'day')).toEqual(
      ['2025-02-27', '2025-02-28', '2025-03-01'],
    );
  });

  it('rates: 4 decimals, null when the divisor is 0, queued and cancelled left out', () => {
    const c = { ...emptyCounts(), queued: 5, cancelled: 4, sent: 1, delivered: 1, read: 1 };
    expect(ratesOf(c)).toEqual({ delivery: 0.6667, read: 0.5 });
    expect(ratesOf({ ...emptyCounts(), queued: 3, cancelled: 1 })).toEqual({ delivery: null, read: null });
  });

  it('failures: most frequent codes first (ties by code), capped; latest by failedAt then message id', () => {
    const acc = statsAccumulator('day', ['2025-03-01'], 2);
    acc.add(failed('m1', 'B', '2025-03-01T10:00:00Z'));
    acc.add(failed('m2', 'A', '2025-03-01T09:00:00Z'));
    acc.add(failed('m4', 'C', '2025-03-01T08:00:00Z'));
    acc.add(failed('m3', 'C', '2025-03-01T08:00:00Z'));
    acc.add(failed('m5', 'A', '2025-03-01T07:00:00Z'));
    const r = acc.result();
    expect(r.failures.map((f) => [f.errorCode, f.count, f.latest.messageId])).toEqual([
      ['A', 2, 'm2'],
      ['C', 2, 'm4'],
    ]);
    expect(r.totals.failed).toBe(5);
    expect(Object.keys(r.totals)).toEqual(['total', ...MESSAGE_STATUSES]);
  });
});
