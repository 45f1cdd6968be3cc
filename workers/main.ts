import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type WorkerFeatures } from '../activities';
import { loadConfigOrExit } from '../src/config/env';
import { connectMongo } from '../src/db/connection';
import { createDiagnosticPingRepository } from '../src/db/repositories/diagnostic-ping.repository';
import { createLogger } from '../src/logging/logger';
import { connectTemporalClient } from '../src/temporal/client';
import { temporalConnectionOptionsOrExit } from '../src/temporal/connection-options';
import { dataConverterFor } from '../src/temporal/payload-codec';
import { temporalProtectionFrom } from '../src/temporal/protection-setup';
import { registerSearchAttributes } from '../src/temporal/register-search-attributes';
import { createMessageHistoryRepository } from '../src/db/repositories/message-history.repository';
import { createSenderRepository } from '../src/db/repositories/sender.repository';
import { createSessionRepository } from '../src/db/repositories/session.repository';
import { createSecretBox } from '../src/security/secret-box';
import { statusRefKeyOf } from '../src/composition/messaging-setup';
import { cachedSenderCredentials } from '../src/providers/credentials-cache';
import { createProviderRegistry } from '../src/providers/registry';
import { createSendLimiter } from '../src/db/repositories/send-limiter.repository';
import { createBroadcastRepository } from '../src/db/repositories/broadcast.repository';
import { createTenantCallbackRepository } from '../src/db/repositories/tenant-callback.repository';
import { callbackDeliveryFrom } from '../src/callbacks/callback-setup';
import { createInboundMessageRepository } from '../src/db/repositories/inbound-message.repository';
import { createDeadLetterRepository } from '../src/db/repositories/dead-letter.repository';
import { createCustomerWindowRepository } from '../src/db/repositories/customer-window.repository';
import { buildGatewayRegistry } from '../src/composition/gateway-setup';
import { createSessionHealthRepository } from '../src/db/repositories/session-health.repository';
import { sessionHealthInputFrom, upsertSessionHealthSchedule } from './schedules';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/observability/metrics';
import { startWorkerMetrics } from './metrics';
import { createMetaCredentialCheck } from '../activities/credential-health.check';
import { createMetaTokenInspector } from '../src/providers/meta/meta-token.inspector';
import { createOnboardingRepository } from '../src/db/repositories/onboarding.repository';

/**
 * How long this worker's sends reuse a sender's stored credentials (src/providers/credentials-cache.ts):
 * a rotated token or a removed sender reaches them within this time.
 */
const SENDER_CREDENTIALS_TTL_MS = 5_000;

/**
 * Composition root of the worker: config → MongoDB → providers → createActivities(deps) →
 * Worker.create with a prebuilt workflow bundle. SIGTERM/SIGINT: the SDK's runtime stops polling,
 * in-flight activities get WORKER_SHUTDOWN_GRACE_MS to finish, then we close MongoDB and exit 0.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  // Issue 15: TLS/mTLS/API key files are read now, so a wrong one stops the process before anything connects.
  const connectionOptions = temporalConnectionOptionsOrExit(config);
  Runtime.install({ logger: undefined });

  const mongo = await connectMongo(config.MONGODB_URI, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE });

  // One Temporal client for the worker's own calls: search attributes,
  // session-health signals and the schedule upsert.
  // Issue 15: TLS/mTLS/API key from config; the same payload codec on the client and the workers.
  const { payloadCodec } = temporalProtectionFrom(config, logger);
  const temporal = await connectTemporalClient({
    connection: connectionOptions,
    namespace: config.TEMPORAL_NAMESPACE,
    payloadCodec,
  });
  const added = await registerSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) logger.info({ added }, 'registered search attributes');

  const secrets = createSecretBox(config.ENCRYPTION_KEYS, config.ENCRYPTION_ACTIVE_KEY_ID);
  const sessions = createSessionRepository(mongo, secrets);
  const senders = createSenderRepository(mongo, secrets);
  const gateways = buildGatewayRegistry(config, logger);
  // Every provider as this configuration makes it: built once, here.
  const providers = createProviderRegistry(config);

  const connection = await NativeConnection.connect(connectionOptions);
  const messaging = {
    messages: createMessageHistoryRepository(mongo),
    // Senders read once per SENDER_CREDENTIALS_TTL_MS for the sends of this worker (a broadcast chunk's many).
    registry: providers.messaging({
      senders: cachedSenderCredentials(senders, SENDER_CREDENTIALS_TTL_MS),
      sessions,
      statusRefKey: statusRefKeyOf(config),
    }),
    // Per-sender rate and priority line in MongoDB, shared by every worker (issue 14: no gate workflow).
    limiter: createSendLimiter(mongo, providers.rateOf),
    callbacks: {
      repo: createTenantCallbackRepository(mongo, secrets),
      ...callbackDeliveryFrom(config),
    },
    broadcasts: {
      broadcasts: createBroadcastRepository(mongo),
      windows: config.CUSTOMER_WINDOW_ENFORCE
        ? { repo: createCustomerWindowRepository(mongo), marginMs: config.CUSTOMER_WINDOW_MARGIN_MS }
        : undefined,
      maxInFlight: config.BROADCAST_MAX_IN_FLIGHT,
      foldMs: config.BROADCAST_STATUS_FOLD_MS,
    },
    inbound: {
      repo: createInboundMessageRepository(mongo),
      windows: createCustomerWindowRepository(mongo),
      deadLetters: createDeadLetterRepository(mongo),
    },
  };
  const health = {
    health: createSessionHealthRepository(mongo),
    sessions,
    gateways,
    temporal: temporal.client,
    logger,
    // Official senders' tokens through Meta debug_token; the app token when both app credentials are set.
    credentialChecks: [
      createMetaCredentialCheck({
        senders,
        logger,
        inspector: createMetaTokenInspector({
          baseUrl: config.META_GRAPH_BASE_URL,
          apiVersion: config.META_GRAPH_API_VERSION,
          timeoutMs: config.META_TIMEOUT_MS,
          appAccessToken:
            config.META_APP_ID && config.META_APP_SECRET
              ? `${config.META_APP_ID}|${config.META_APP_SECRET}`
              : undefined,
        }),
      }),
    ],
  };
  // The production worker hosts every feature: one left out here is a compile error.
  const features: WorkerFeatures = {
    messaging,
    // Sessions (issue 3): gateway adapters and the whatsapp_sessions projection.
    sessions: { sessions, gateways, logger },
    health,
    // Onboarding sagas (issue 7): provider clients for the configured providers, progress in whatsapp_onboardings.
    onboarding: {
      onboardings: createOnboardingRepository(mongo, secrets),
      senders,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      logger,
      ...providers.onboardingClients(),
    },
  };
  // Metrics (issue 8): the activities count into this process's registry, served on its own port.
  const metrics = createMetrics(new Registry());
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...workflowSource(config.WORKFLOW_BUNDLE_PATH, logger),
    dataConverter: dataConverterFor(payloadCodec),
    activities: createActivities({
      pings: createDiagnosticPingRepository(mongo),
      pingHoldMs: config.DIAGNOSTICS_PING_HOLD_MS,
      metrics,
      ...features,
    }),
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_MS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    workflowThreadPoolSize: config.WORKER_WORKFLOW_THREADS,
  });

  logger.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
    },
    'worker running',
  );
  const schedule = await upsertSessionHealthSchedule(temporal.client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    intervalMs: config.SESSION_HEALTH_INTERVAL_MS,
    input: sessionHealthInputFrom(config),
  });
  logger.info(
    { schedule, intervalMs: config.SESSION_HEALTH_INTERVAL_MS },
    'session health schedule upserted',
  );
  const metricsServer = await startWorkerMetrics(metrics.registry, config, logger);
  await worker.run();
  await metricsServer?.close();
  await connection.close();
  await temporal.close();
  await mongo.close();
  logger.info('worker stopped');
}

/** The prebuilt bundle (`npm run build` writes dist/workflow-bundle.js); bundling at start is the dev fallback. */
function workflowSource(
  configured: string | undefined,
  logger: ReturnType<typeof createLogger>,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const codePath = configured ?? path.resolve(__dirname, '..', 'workflow-bundle.js');
  if (existsSync(codePath)) return { workflowBundle: { codePath } };
  if (configured) throw new Error(`WORKFLOW_BUNDLE_PATH ${configured} does not exist`);
  logger.warn('no prebuilt workflow bundle found; bundling workflows at start (run `npm run build`)');
  return { workflowsPath: require.resolve('../workflows') };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
