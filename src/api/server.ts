import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config/env';
import { connectMongo, pingMongo } from '../db/connection';
import { createApiKeyRepository } from '../db/repositories/api-key.repository';
import { createDiagnosticPingRepository } from '../db/repositories/diagnostic-ping.repository';
import { createLogger } from '../logging/logger';
import { connectTemporalClient, pingTemporal } from '../temporal/client';
import { temporalConnectionOptionsOrExit } from '../temporal/connection-options';
import { temporalProtectionFrom } from '../temporal/protection-setup';
import { createApp, type AppFeatures } from './app';
import { admissionFrom } from './admission-setup';
import { createMessageHistoryRepository } from '../db/repositories/message-history.repository';
import { createSenderRepository } from '../db/repositories/sender.repository';
import { createSessionRepository } from '../db/repositories/session.repository';
import { createSecretBox } from '../security/secret-box';
import { broadcastSettingsFrom, messageSettingsFrom, statusRefKeyOf } from '../composition/messaging-setup';
import { createBroadcastRepository } from '../db/repositories/broadcast.repository';
import { createBroadcastsService } from './broadcasts/broadcasts.service';
import { createProviderRegistry } from '../providers/registry';
import { createSendLimiter } from '../db/repositories/send-limiter.repository';
import { createMessagesService } from './messages/messages.service';
import { createCustomerWindowPolicy } from './messages/customer-window.policy';
import { createCustomerWindowRepository } from '../db/repositories/customer-window.repository';
import { createInboundMessageRepository } from '../db/repositories/inbound-message.repository';
import { createConversationRepository } from '../db/repositories/conversation.repository';
import { createTenantCallbackRepository } from '../db/repositories/tenant-callback.repository';
import { callbackPolicyFrom } from '../callbacks/callback-setup';
import { systemResolver } from '../callbacks/callback-target';
import { createAccountAlertRepository } from '../db/repositories/account-alert.repository';
import { createDeadLetterRepository } from '../db/repositories/dead-letter.repository';
import { sessionTimingFrom } from '../composition/gateway-setup';
import { createSessionHealthRepository } from '../db/repositories/session-health.repository';
import { Registry } from 'prom-client';
import { createMetrics } from '../observability/metrics';
import { sendersWithValidity } from '../observability/credential-validity';
import { createSignupStateRepository } from '../db/repositories/signup-state.repository';
import { createOnboardingRepository } from '../db/repositories/onboarding.repository';
import { createOnboardingCommands } from './onboardings/onboarding-commands';
import { onboardingSettingsFrom, senderOwnershipVerifierFrom } from '../composition/onboarding-setup';
import { signupConfigFrom } from './routes/signup.routes';

/** Composition root of the API process: config → MongoDB → Temporal client → app → listen. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  // Issue 15: TLS/mTLS/API key files are read now, so a wrong one stops the process before anything connects.
  const connectionOptions = temporalConnectionOptionsOrExit(config);

  const mongo = await connectMongo(config.MONGODB_URI, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE });
  // Issue 15: TLS/mTLS/API key from config, payloads sealed by the codec, Recipient as a keyed hash.
  const protection = temporalProtectionFrom(config, logger);
  const temporal = await connectTemporalClient({
    connection: connectionOptions,
    namespace: config.TEMPORAL_NAMESPACE,
    payloadCodec: protection.payloadCodec,
    rpcAttempts: config.API_TEMPORAL_RPC_ATTEMPTS,
  });

  const secrets = createSecretBox(config.ENCRYPTION_KEYS, config.ENCRYPTION_ACTIVE_KEY_ID);
  const sessions = createSessionRepository(mongo, secrets);
  // Messages: the registry only tells the API which provider a sender uses and what it can send.
  const messageHistory = createMessageHistoryRepository(mongo);
  // What each accepted message and each webhook reads (the key, the sender, the tenant's callback)
  // is reused for API_READ_CACHE_MS (issue 14).
  const readCache = { cacheMs: config.API_READ_CACHE_MS };
  const broadcasts = createBroadcastRepository(mongo);
  const officialSenders = createSenderRepository(mongo, secrets, readCache);
  const tenantCallbacks = createTenantCallbackRepository(mongo, secrets, readCache);
  // Every provider as this configuration makes it: built once, here.
  const providers = createProviderRegistry(config);
  const statusRefKey = statusRefKeyOf(config);
  const messagingRegistry = providers.messaging({ senders: officialSenders, sessions, statusRefKey });
  const providerOf = async (tenantId: string, senderId: string) =>
    (await messagingRegistry.resolveSender(tenantId, senderId))?.provider.name ?? null;
  const customerWindows = createCustomerWindowRepository(mongo);
  const messagesService = createMessagesService({
    temporal: temporal.client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    messages: messageHistory,
    registry: messagingRegistry,
    settings: messageSettingsFrom(config),
    maxRetries: config.MESSAGE_MAX_RETRIES,
    waitSentMaxMs: config.MESSAGE_WAIT_SENT_MAX_MS,
    callbacks: tenantCallbacks,
    customerWindow: config.CUSTOMER_WINDOW_ENFORCE
      ? createCustomerWindowPolicy({
          windows: customerWindows,
          marginMs: config.CUSTOMER_WINDOW_MARGIN_MS,
        })
      : undefined,
    recipientHash: protection.recipientHash,
  });

  // Metrics (issue 8): this process's own registry; the gauges read MongoDB on scrape, cached.
  const sweeps = createSessionHealthRepository(mongo);
  // Credential validity: the latest sweep's debug_token outcome per sender, -1 before any.
  const metrics = createMetrics(new Registry(), {
    sessionsByStatus: () => sessions.countByStatus(),
    officialSenders: () => sendersWithValidity(officialSenders, sweeps),
    cacheMs: config.METRICS_CACHE_MS,
    onError: (source, err) => logger.warn({ source, error: (err as Error).message }, 'metrics read failed'),
  });

  // The API serves every feature: one left out here is a compile error.
  const features: AppFeatures = {
    messaging: {
      commands: messagesService,
      messages: messageHistory,
      senders: officialSenders,
      metaAppSecret: config.META_APP_SECRET,
      metaVerifyToken: config.META_WEBHOOK_VERIFY_TOKEN,
      statusRefKey,
      senderVerifier: senderOwnershipVerifierFrom(config),
      publicBaseUrl: config.PUBLIC_BASE_URL,
      alerts: createAccountAlertRepository(mongo),
      callbacks: tenantCallbacks,
      callbackTargets: { policy: callbackPolicyFrom(config), resolve: systemResolver },
      sendRates: {
        limiter: createSendLimiter(mongo, providers.rateOf),
        providerOf,
        rateFor: providers.rateOf,
      },
      broadcasts: {
        commands: createBroadcastsService({
          temporal: temporal.client,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          broadcasts,
          registry: messagingRegistry,
          settings: broadcastSettingsFrom(config),
          callbacks: tenantCallbacks,
          temporalUiUrl: config.TEMPORAL_UI_URL,
          namespace: config.TEMPORAL_NAMESPACE,
        }),
        broadcasts,
        bodyLimit: config.BROADCAST_BODY_LIMIT,
      },
      inbound: {
        callbackMaxAttempts: config.CALLBACK_MAX_ATTEMPTS,
        callbackRetryInitialMs: config.CALLBACK_RETRY_INITIAL_MS,
      },
    },
    sessions: {
      repository: sessions,
      gatewayKind: config.GATEWAY_KIND,
      timing: sessionTimingFrom(config),
      webhookSecret: config.GATEWAY_WEBHOOK_SECRET,
    },
    sessionHealth: { sweeps },
    conversations: {
      inbound: createInboundMessageRepository(mongo),
      conversations: createConversationRepository(mongo),
      windows: customerWindows,
      providerOf,
      windowMarginMs: config.CUSTOMER_WINDOW_MARGIN_MS,
    },
    // Onboarding (issue 7): the API seals the request's secrets and starts the saga; it only reads progress.
    onboardings: {
      commands: createOnboardingCommands({
        temporal: temporal.client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        onboardings: createOnboardingRepository(mongo, secrets),
        senders: officialSenders,
        box: secrets,
        signupStates: createSignupStateRepository(mongo),
        settings: onboardingSettingsFrom(config),
        availability: providers.onboardingAvailability,
        twilioAccountSid: config.TWILIO_ACCOUNT_SID,
      }),
    },
  };

  const app = createApp({
    ...features,
    logger,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    metricsPublic: config.METRICS_PUBLIC,
    // The admin page links every message, session, broadcast and onboarding to its workflow (GET /v1/me).
    temporalUi: config.TEMPORAL_UI_URL
      ? { url: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE }
      : undefined,
    // The signup page's public settings (issue 7): ids only; secrets only as "configured or not".
    signup: signupConfigFrom(config),
    bodyLimit: config.BODY_LIMIT,
    retryAfterSeconds: config.API_RETRY_AFTER_SECONDS,
    transport: { httpsOnly: config.HTTPS_ONLY, trustProxy: config.TRUST_PROXY },
    apiKeys: createApiKeyRepository(mongo, readCache),
    admission: admissionFrom(config, mongo),
    temporal: temporal.client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pings: createDiagnosticPingRepository(mongo),
    deadLetters: createDeadLetterRepository(mongo),
    codec:
      protection.payloadCodec && config.TEMPORAL_CODEC_TOKEN
        ? {
            codec: protection.payloadCodec,
            token: config.TEMPORAL_CODEC_TOKEN,
            corsOrigins: config.TEMPORAL_CODEC_CORS_ORIGINS,
            recipientHash: protection.recipientHash,
          }
        : undefined,
    readiness: {
      temporal: () => pingTemporal(temporal.client),
      database: () => pingMongo(mongo),
    },
  });

  const server: Server = app.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT, host: config.HOST }, 'api listening');
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void Promise.allSettled([temporal.close(), mongo.close()]).then(() => {
        logger.info('api stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
