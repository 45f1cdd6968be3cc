import type { Connection } from 'mongoose';
import type { Config } from '../config/env';
import { createTenantUsageRepository } from '../db/repositories/tenant-usage.repository';
import type { AppDeps } from './app';

/** The API's admission control from config (issue 15): rate limits, per-tenant caps, stats cache. */
export function admissionFrom(config: Config, conn: Connection): AppDeps['admission'] {
  return {
    limits: {
      perKey: { ratePerSec: config.API_RATE_LIMIT_PER_SECOND, burst: config.API_RATE_LIMIT_BURST },
      costly: {
        ratePerMin: config.API_RATE_LIMIT_COSTLY_PER_MINUTE,
        burst: config.API_RATE_LIMIT_COSTLY_BURST,
      },
      quotas: {
        maxSessions: config.TENANT_MAX_SESSIONS,
        maxSenders: config.TENANT_MAX_SENDERS,
        maxQueuedMessages: config.TENANT_MAX_QUEUED_MESSAGES,
      },
      queuedRetryAfterSeconds: config.API_RETRY_AFTER_SECONDS,
    },
    usage: createTenantUsageRepository(conn),
    statsCacheMs: config.STATS_CACHE_MS,
  };
}
