import { MESSAGE_STATUSES, type MessageStatus } from './message';

/**
 * Message statistics: counts by current status over a time range, folded from `(status, key…,
 * count)` rows, the two rates derived from them, and failures by error code. Periods are UTC
 * calendar days or hours of the message's `createdAt` (when it was accepted). Pure functions: the
 * repository feeds the records.
 */
export const STATS_GRANULARITIES = ['day', 'hour'] as const;
export type StatsGranularity = (typeof STATS_GRANULARITIES)[number];

export type StatusCounts = Record<MessageStatus, number> & { total: number };

export interface StatsRates {
  /** (delivered + read) / (sent + delivered + read + failed); null when that is 0. */
  delivery: number | null;
  /** read / (delivered + read); null when that is 0. */
  read: number | null;
}

/** One counted combination: `n` messages with this status, provider, sender and period. */
export interface StatsRow {
  status: MessageStatus;
  provider: string;
  senderId: string;
  period: string;
  n: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `2025-03-01` */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
/** `2025-03-01T13` */
export const utcHour = (at: Date): string => at.toISOString().slice(0, 13);
export const periodOf = (at: Date, g: StatsGranularity): string => (g === 'day' ? utcDay(at) : utcHour(at));
/** The first instant of a period key. */
export const periodStart = (period: string): Date =>
  new Date(period.length === 10 ? `${period}T00:00:00.000Z` : `${period}:00:00.000Z`);

/** Every period key that [from, to) touches, oldest first. */
export function periodsBetween(from: Date, to: Date, g: StatsGranularity): string[] {
  const step = g === 'day' ? DAY_MS : HOUR_MS;
  const out: string[] = [];
  for (let t = periodStart(periodOf(from, g)).getTime(); t < to.getTime(); t += step)
    out.push(periodOf(new Date(t), g));
  return out;
}

export const emptyCounts = (): StatusCounts =>
  Object.assign({ total: 0 }, Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0]))) as StatusCounts;

const ratio = (num: number, den: number): number | null =>
  den === 0 ? null : Math.round((num / den) * 10_000) / 10_000;

/** Rates rounded to 4 decimal places (0.6667). */
export function ratesOf(c: StatusCounts): StatsRates {
  return {
    delivery: ratio(c.delivered + c.read, c.sent + c.delivered + c.read + c.failed),
    read: ratio(c.read, c.delivered + c.read),
  };
}

function add(into: Map<string, StatusCounts>, key: string, status: MessageStatus, n: number): void {
  let c = into.get(key);
  if (!c) into.set(key, (c = emptyCounts()));
  c[status] += n;
  c.total += n;
}

export interface FoldedStats {
  totals: StatusCounts;
  rates: StatsRates;
  byProvider: { provider: string; counts: StatusCounts; rates: StatsRates }[];
  bySender: { senderId: string; counts: StatusCounts; rates: StatsRates }[];
  byPeriod: { period: string; start: string; counts: StatusCounts }[];
}

/** Folds rows into totals and the three breakdowns; `periods` are listed even when empty. */
export function foldStats(rows: StatsRow[], periods: string[]): FoldedStats {
  const totals = emptyCounts();
  const providers = new Map<string, StatusCounts>();
  const senders = new Map<string, StatusCounts>();
  const byPeriod = new Map<string, StatusCounts>(periods.map((p) => [p, emptyCounts()]));
  for (const r of rows) {
    totals[r.status] += r.n;
    totals.total += r.n;
    add(providers, r.provider, r.status, r.n);
    add(senders, r.senderId, r.status, r.n);
    add(byPeriod, r.period, r.status, r.n);
  }
  const sortedKeys = (m: Map<string, StatusCounts>) => [...m.keys()].sort();
  return {
    totals,
    rates: ratesOf(totals),
    byProvider: sortedKeys(providers).map((provider) => {
      const counts = providers.get(provider) as StatusCounts;
      return { provider, counts, rates: ratesOf(counts) };
    }),
    bySender: sortedKeys(senders).map((senderId) => {
      const counts = senders.get(senderId) as StatusCounts;
      return { senderId, counts, rates: ratesOf(counts) };
    }),
    byPeriod: sortedKeys(byPeriod).map((period) => ({
      period,
      start: periodStart(period).toISOString(),
      counts: byPeriod.get(period) as StatusCounts,
    })),
  };
}

/** The fields of one history record that statistics read. */
export interface StatsRecord {
  messageId: string;
  status: MessageStatus;
  provider: string;
  senderId: string;
  createdAt: Date;
  errorCode: string | null;
  errorMessage: string | null;
  failedAt: Date | null;
}

export interface FailureByCode {
  errorCode: string | null;
  count: number;
  /** The failure with the newest failedAt (ties: the greater message id). */
  latest: { messageId: string; errorMessage: string | null; failedAt: string | null };
}

export type MessageStats = FoldedStats & { failures: FailureByCode[] };

/**
 * Folds records one at a time in memory proportional to the distinct (status, provider, sender,
 * period) combinations and error codes, never to the number of records. `failures` lists the
 * `maxCodes` most frequent codes (ties: by code).
 */
export function statsAccumulator(g: StatsGranularity, periods: string[], maxCodes: number) {
  const rows = new Map<string, StatsRow>();
  const failures = new Map<string | null, { count: number; latest: StatsRecord }>();
  const newer = (a: StatsRecord, b: StatsRecord) =>
    (a.failedAt?.getTime() ?? 0) - (b.failedAt?.getTime() ?? 0) || a.messageId.localeCompare(b.messageId);
  return {
    add(r: StatsRecord): void {
      const period = periodOf(r.createdAt, g);
      const key = JSON.stringify([r.status, r.provider, r.senderId, period]);
      const row = rows.get(key);
      if (row) row.n += 1;
      else rows.set(key, { status: r.status, provider: r.provider, senderId: r.senderId, period, n: 1 });
      if (r.status !== 'failed') return;
      const f = failures.get(r.errorCode);
      if (!f) failures.set(r.errorCode, { count: 1, latest: r });
      else {
        f.count += 1;
        if (newer(r, f.latest) > 0) f.latest = r;
      }
    },
    result(): MessageStats {
      const top = [...failures.entries()]
        .sort(([a, x], [b, y]) => y.count - x.count || String(a).localeCompare(String(b)))
        .slice(0, maxCodes);
      return {
        ...foldStats([...rows.values()], periods),
        failures: top.map(([errorCode, { count, latest }]) => ({
          errorCode,
          count,
          latest: {
            messageId: latest.messageId,
            errorMessage: latest.errorMessage,
            failedAt: latest.failedAt ? latest.failedAt.toISOString() : null,
          },
        })),
      };
    },
  };
}
