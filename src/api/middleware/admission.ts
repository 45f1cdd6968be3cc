import type { Request, RequestHandler } from 'express';
import { DomainError } from '../../domain/errors';
import { idForKey } from '../messages/message-view';
import { authOf } from './auth';
import { idempotencyKeyOf } from './idempotency-key';
import { createTokenBuckets } from './token-bucket';

/**
 * Admission control for `/v1` (issue 15): one tenant must not starve the others.
 *
 * - A token bucket per API key for every request (API_RATE_LIMIT_PER_SECOND / _BURST), and a
 *   tighter one per key and per costly class (API_RATE_LIMIT_COSTLY_PER_MINUTE / _BURST): stats,
 *   diagnostics, `POST /v1/messages?wait=sent`, session creation, onboarding. Over either: 429
 *   `rate_limited` with Retry-After. The buckets live in this API process: with N API replicas
 *   behind a load balancer a key gets up to N times the rate — size the limits for that, or put a
 *   shared limiter (the proxy, Redis) in front.
 * - Per-tenant caps counted in MongoDB (TENANT_MAX_SESSIONS, TENANT_MAX_SENDERS,
 *   TENANT_MAX_QUEUED_MESSAGES): sessions and senders over the cap are 422 `quota_exceeded` (only
 *   removing one helps); queued messages over the cap are 429 `quota_exceeded` with Retry-After (they
 *   drain). A message retried with its Idempotency-Key is never refused by the cap.
 */
export type CostlyClass = 'stats' | 'diagnostics' | 'wait_sent' | 'session_create' | 'onboarding';
export type QuotaKind = 'sessions' | 'senders' | 'queued_messages';

export interface AdmissionLimits {
  perKey: { ratePerSec: number; burst: number };
  costly: { ratePerMin: number; burst: number };
  quotas: { maxSessions: number; maxSenders: number; maxQueuedMessages: number };
  /** Retry-After (seconds) of a queued-messages refusal. */
  queuedRetryAfterSeconds: number;
}

/** Counts the caps are checked against, from MongoDB (src/db/repositories/tenant-usage.repository.ts). */
export interface TenantUsage {
  sessions(tenantId: string): Promise<number>;
  senders(tenantId: string): Promise<number>;
  /** Queued messages, counted up to `upTo` (the count stops there). */
  queuedMessages(tenantId: string, upTo: number): Promise<number>;
  messageExists(tenantId: string, messageId: string): Promise<boolean>;
}

const is = (req: Request, method: string, pattern: RegExp) => req.method === method && pattern.test(req.path);

/** Which costly bucket a request also draws from, if any. */
export function costlyClassOf(req: Request): CostlyClass | null {
  if (is(req, 'GET', /^\/stats\/?$/i)) return 'stats';
  if (/^\/diagnostics(\/|$)/i.test(req.path)) return 'diagnostics';
  if (is(req, 'POST', /^\/messages\/?$/i) && req.query.wait !== undefined) return 'wait_sent';
  if (is(req, 'POST', /^\/sessions\/?$/i) || is(req, 'POST', /^\/sessions\/[^/]+\/restart\/?$/i))
    return 'session_create';
  if (is(req, 'POST', /^\/onboardings(\/|$)/i)) return 'onboarding';
  return null;
}

function quotaOf(req: Request): QuotaKind | null {
  if (is(req, 'POST', /^\/sessions\/?$/i)) return 'sessions';
  if (is(req, 'POST', /^\/senders\/?$/i) || is(req, 'POST', /^\/onboardings\/?$/i)) return 'senders';
  if (is(req, 'POST', /^\/messages\/?$/i)) return 'queued_messages';
  return null;
}

const QUOTA_NAMES = {
  sessions: 'TENANT_MAX_SESSIONS',
  senders: 'TENANT_MAX_SENDERS',
  queued_messages: 'TENANT_MAX_QUEUED_MESSAGES',
} as const;

/**
 * How long a tenant's queued-message count is reused. Counting is a scan on FerretDB (issue 14:
 * at 2,000 queued it cost each accept ~1.5 s); between counts, each message admitted here adds
 * one, so the cap still holds against a burst, and messages sent meanwhile free room at the next
 * count.
 */
const QUEUED_COUNT_TTL_MS = 1_000;

/** Mounted on `/v1` after the API key is checked: rate limits first (cheap), then the caps. */
export function admissionControl(limits: AdmissionLimits, usage: TenantUsage): RequestHandler {
  const queuedCounts = new Map<string, { count: number; at: number; pending?: Promise<number> }>();
  const queuedNow = (tenantId: string, upTo: number): Promise<number> => {
    const known = queuedCounts.get(tenantId);
    if (known?.pending) return known.pending;
    if (known && Date.now() - known.at < QUEUED_COUNT_TTL_MS) return Promise.resolve(known.count);
    const pending = usage.queuedMessages(tenantId, upTo).then(
      (count) => {
        queuedCounts.set(tenantId, { count, at: Date.now() });
        return count;
      },
      (err: unknown) => {
        queuedCounts.delete(tenantId);
        throw err;
      },
    );
    queuedCounts.set(tenantId, { count: known?.count ?? 0, at: known?.at ?? 0, pending });
    return pending;
  };

  const perKey = createTokenBuckets(limits.perKey);
  const costly = createTokenBuckets({
    ratePerSec: limits.costly.ratePerMin / 60,
    burst: limits.costly.burst,
  });

  const refuse = (cls: CostlyClass | null, retryAfterMs: number): never => {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    throw new DomainError(
      'rate_limited',
      'rate_limited',
      `Too many ${cls ? `${cls} ` : ''}requests for this API key: retry after ${retryAfterSeconds} s`,
      { limit: cls ?? 'requests', retryAfterSeconds },
    );
  };

  const checkQuota = async (req: Request, tenantId: string, kind: QuotaKind) => {
    const { quotas } = limits;
    if (kind === 'queued_messages') {
      const queued = await queuedNow(tenantId, quotas.maxQueuedMessages);
      if (queued < quotas.maxQueuedMessages) {
        const known = queuedCounts.get(tenantId);
        if (known && !known.pending) known.count += 1;
        return;
      }
      // A retry of an accepted message (same Idempotency-Key) gets its original answer, never the
      // cap (looked up only at the cap: below it, the request goes on without a read).
      const key = safeIdempotencyKey(req);
      if (key && (await usage.messageExists(tenantId, idForKey('msg', tenantId, key)))) return;
      throw new DomainError(
        'rate_limited',
        'quota_exceeded',
        `This tenant has ${quotas.maxQueuedMessages} messages queued, the most allowed (${QUOTA_NAMES[kind]}): retry when some have been sent`,
        {
          quota: QUOTA_NAMES[kind],
          limit: quotas.maxQueuedMessages,
          retryAfterSeconds: limits.queuedRetryAfterSeconds,
        },
      );
    }
    const [count, max] =
      kind === 'sessions'
        ? [await usage.sessions(tenantId), quotas.maxSessions]
        : [await usage.senders(tenantId), quotas.maxSenders];
    if (count >= max)
      throw new DomainError(
        'unprocessable',
        'quota_exceeded',
        `This tenant has ${count} ${kind}, the most allowed (${QUOTA_NAMES[kind]}=${max}): remove one first`,
        { quota: QUOTA_NAMES[kind], limit: max, current: count },
      );
  };

  return async (req, res, next) => {
    const { tenantId, keyId } = authOf(res);
    const any = perKey.take(keyId);
    if (!any.ok) refuse(null, any.retryAfterMs);
    const cls = costlyClassOf(req);
    if (cls) {
      const taken = costly.take(`${keyId}:${cls}`);
      if (!taken.ok) refuse(cls, taken.retryAfterMs);
    }
    const quota = quotaOf(req);
    if (quota) await checkQuota(req, tenantId, quota);
    next();
  };
}

function safeIdempotencyKey(req: Request): string | null {
  try {
    return idempotencyKeyOf(req);
  } catch {
    return null; // an invalid key is the route's 400, not the cap's business
  }
}
