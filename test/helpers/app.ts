import type { Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { createApp, type AppDeps, type AppFeatures } from '../../src/api/app';
import { STRICT_CALLBACK_POLICY, systemResolver } from '../../src/callbacks/callback-target';
import { pingMongo } from '../../src/db/connection';
import { createAccountAlertRepository } from '../../src/db/repositories/account-alert.repository';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { createSendLimiter } from '../../src/db/repositories/send-limiter.repository';
import { createMetaOwnershipClient } from '../../src/providers/meta/meta-ownership.client';
import { createSenderOwnershipVerifier } from '../../src/providers/sender-ownership';
import { createTwilioSendersClient } from '../../src/providers/twilio/twilio-senders.client';
import { pingTemporal } from '../../src/temporal/client';
import type { AdmissionLimits } from '../../src/api/middleware/admission';
import { createTenantUsageRepository } from '../../src/db/repositories/tenant-usage.repository';
import type { Logger } from '../../src/logging/logger';

/** The key of the MAC on Meta/360dialog status references in tests (issue 15). */
export const STATUS_REF_KEY = Buffer.alloc(32, 7);

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

type Messaging = AppFeatures['messaging'];
/**
 * Messaging as a test app may give it: whole (`messagingFeature` in ./messaging.ts), or — the e2e
 * stacks — its core parts, which `buildTestApp` completes with `completeMessaging`.
 */
export type TestMessaging = Pick<
  Messaging,
  'commands' | 'messages' | 'senders' | 'metaAppSecret' | 'callbacks' | 'broadcasts' | 'inbound'
> &
  Partial<Messaging>;
export type TestAppOverrides = Partial<Omit<AppDeps, 'messaging'>> & { messaging?: TestMessaging };

/**
 * The messaging parts a caller left out: no verify token, the tests' status-reference key, ownership
 * checks and Twilio's public URL on an unreachable port, the strict callback targets (the product's
 * default), rates at 1000/s as messagingDeps sets them.
 */
function completeMessaging(conn: Connection, m: TestMessaging): Messaging {
  const nowhere = 'http://127.0.0.1:9';
  const rateFor = () => ({ ratePerSec: 1000, burst: 1000 });
  return {
    metaVerifyToken: undefined,
    statusRefKey: STATUS_REF_KEY,
    senderVerifier: createSenderOwnershipVerifier({
      meta: createMetaOwnershipClient({ baseUrl: nowhere, apiVersion: 'v23.0', timeoutMs: 2_000 }),
      twilio: createTwilioSendersClient({ baseUrl: nowhere, timeoutMs: 2_000 }),
    }),
    publicBaseUrl: nowhere,
    alerts: createAccountAlertRepository(conn),
    callbackTargets: { policy: STRICT_CALLBACK_POLICY, resolve: systemResolver },
    sendRates: {
      limiter: createSendLimiter(conn, rateFor),
      providerOf: async (t, s) => (await m.senders.get(t, s))?.provider ?? null,
      rateFor,
    },
    // A part given as undefined is left out (the e2e stacks name only what they had).
    ...(Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as TestMessaging),
  };
}

/** The real app over the run's real MongoDB and Temporal; overrides only where a test needs it. */
export function buildTestApp(opts: {
  conn: Connection;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  overrides?: TestAppOverrides;
}): Express {
  const { messaging, ...overrides } = opts.overrides ?? {};
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
    ...overrides,
    ...(messaging ? { messaging: completeMessaging(opts.conn, messaging) } : {}),
  });
}
