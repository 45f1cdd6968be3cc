import type { Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { createApp, type AppDeps } from '../../src/api/app';
import { pingMongo } from '../../src/db/connection';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { pingTemporal } from '../../src/temporal/client';
import type { Logger } from '../../src/logging/logger';

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
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    pings: createDiagnosticPingRepository(opts.conn),
    deadLetters: createDeadLetterRepository(opts.conn),
    readiness: { temporal: () => pingTemporal(opts.temporal), database: () => pingMongo(opts.conn) },
    ...opts.overrides,
  });
}
