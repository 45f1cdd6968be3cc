import type { Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { createApp, type AppDeps } from '../../src/api/app';
import { pingMongo } from '../../src/db/connection';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { pingTemporal } from '../../src/temporal/client';
import type { AdmissionLimits } from '../../src/api/middleware/admission';
import { createTenantUsageRepository } from '../../src/db/repositories/tenant-usage.repository';
import type { Logger } from '../../src/logging/logger';

/**
 * Admission control as the API builds it, with limits no functional test reaches and stats not
 * cached; the admission tests override it with tight limits (issue 15).
 */
export const TEST_ADMISSION = (
  conn: Connection,
  limits: Partial<AdmissionLimits> = {},
  statsCacheMs = 0,
) => ({
  limits: {
    perKey: { ratePerSec: 100_000, burst: 100_000 },
    costly: { ratePerMin: 6_000_000, burst: 100_000 },
    quotas: { maxSessions: 100_000, maxSenders: 100_000, maxQueuedMessages: 1_000_000 },
    queuedRetryAfterSeconds: 5,
    ...limits,
  },
  usage: createTenantUsageRepository(conn),
  statsCacheMs,
});

/** The real app over the run's real MongoDB and Temporal; overrides only where a test needs it. */
export function buildTestApp(opts: {
  conn: Connection;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  overrides?: Partial<AppDeps>;
}): Express {
  return createApp({
    logger: opts.logger,
    bodyLimit: '16kb',
    apiKeys: createApiKeyRepository(opts.conn),
    admission: TEST_ADMISSION(opts.conn),
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    pings: createDiagnosticPingRepository(opts.conn),
    deadLetters: createDeadLetterRepository(opts.conn),
    readiness: { temporal: () => pingTemporal(opts.temporal), database: () => pingMongo(opts.conn) },
    ...opts.overrides,
  });
}
