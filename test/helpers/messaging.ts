import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { createActivities } from '../../activities';
import type { MessageActivityDeps } from '../../activities/messages.activities';
import type { SendRate } from '../../src/domain/send-permit';
import type { MessageSettings } from '../../workflows/message.definitions';
import { createSendLimiter } from '../../src/db/repositories/send-limiter.repository';
import { createMessagesService } from '../../src/api/messages/messages.service';
import { createBroadcastsService } from '../../src/api/broadcasts/broadcasts.service';
import { createBroadcastRepository } from '../../src/db/repositories/broadcast.repository';
import type { BroadcastSettings } from '../../workflows/broadcast.definitions';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createMessageHistoryRepository } from '../../src/db/repositories/message-history.repository';
import { createSenderRepository } from '../../src/db/repositories/sender.repository';
import { createTenantCallbackRepository } from '../../src/db/repositories/tenant-callback.repository';
import { createInboundMessageRepository } from '../../src/db/repositories/inbound-message.repository';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { createCustomerWindowRepository } from '../../src/db/repositories/customer-window.repository';
import { createCustomerWindowPolicy } from '../../src/api/messages/customer-window.policy';
import { createConversationRepository } from '../../src/db/repositories/conversation.repository';
import type { GatewayCredentialsPort } from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { createGatewayMessagingProvider } from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { createMessagingRegistry } from '../../src/providers/messaging-registry';
import { createMetaMessagingProvider } from '../../src/providers/meta/meta.adapter';
import { createDialog360MessagingProvider } from '../../src/providers/dialog360/dialog360.adapter';
import { createTwilioMessagingProvider } from '../../src/providers/twilio/twilio.adapter';
import { dialog360CredentialsFrom } from '../../src/providers/dialog360';
import { twilioCredentialsFrom } from '../../src/providers/twilio';
import { createSecretBox } from '../../src/security/secret-box';
import { createSenderOwnershipVerifier } from '../../src/providers/sender-ownership';
import { createMetaOwnershipClient } from '../../src/providers/meta/meta-ownership.client';
import { createTwilioSendersClient } from '../../src/providers/twilio/twilio-senders.client';
import type { Logger } from '../../src/logging/logger';
import { systemResolver } from '../../src/callbacks/callback-target';
import { testRecipientHash } from './temporal';
import { buildTestApp, STATUS_REF_KEY } from './app';
import type { Metrics } from '../../src/observability/metrics';
import type { AppFeatures } from '../../src/api/app';
import { createAccountAlertRepository } from '../../src/db/repositories/account-alert.repository';

export const TEST_SETTINGS: MessageSettings = {
  maxAttempts: 3,
  initialRetryMs: 50,
  maxRetryMs: 200,
  sendTimeoutMs: 3_000,
  statusTimeoutMs: 60_000,
  callbackMaxAttempts: 10,
  callbackRetryInitialMs: 50,
};

/** Broadcasts in tests: the message retry rules above, a short heartbeat timeout (worker kills). */
export const TEST_BROADCAST_SETTINGS: BroadcastSettings = {
  maxAttempts: 3,
  initialRetryMs: 50,
  maxRetryMs: 200,
  validityMs: 60_000,
  statusTimeoutMs: 60_000,
  callbackMaxAttempts: 10,
  heartbeatTimeoutMs: 3_000,
};

export const APP_SECRET = 'test-meta-app-secret';

/**
 * Tests run their callback receivers on http://127.0.0.1: they set the development settings
 * (CALLBACK_ALLOW_HTTP, CALLBACK_ALLOW_PRIVATE_NETWORKS) explicitly; the product default refuses both.
 */
export const LOCAL_CALLBACK_TARGETS = {
  policy: { allowHttp: true, allowPrivateNetworks: true },
  resolve: systemResolver,
};
export const LOCAL_CALLBACK_DELIVERY = {
  ...LOCAL_CALLBACK_TARGETS,
  timeoutMs: 2_000,
  maxResponseBytes: 65_536,
  maxConcurrentPerTenant: 4,
};
export { STATUS_REF_KEY };

/**
 * Everything messaging needs, over the run's real MongoDB and Temporal, with providers pointed at fakes.
 * All test files share one Temporal namespace and message workflow ids are tenant + message id, so
 * each test file uses tenant ids of its own (the send limiter's state is in each file's own database).
 */
export function messagingDeps(opts: {
  conn: Connection;
  temporal: Client;
  taskQueue: string;
  metaBaseUrl: string;
  gatewayBaseUrl?: string;
  /** GATEWAY_API_KEY for WAHA and Evolution sessions (the simulator's API key). */
  gatewayApiKey?: string;
  /** 360dialog messaging host (its fake); absent = no 360dialog provider (issue 7). */
  dialog360BaseUrl?: string;
  /** Twilio REST host (its fake) and our public base URL for StatusCallback; absent = no Twilio provider. */
  twilio?: { baseUrl: string; publicBaseUrl: string | (() => string) };
  sessions?: GatewayCredentialsPort;
  rateFor?: (provider: string) => SendRate;
  /** The send limiter's longest wait before a waiting message asks again (default 60 s). */
  limiterMaxWaitMs?: number;
  settings?: Partial<MessageSettings>;
  /** Prometheus metrics the activities count into (issue 8); absent = none. */
  metrics?: Metrics;
  /** Enforce the 24-hour customer-service window with this margin (issue 7); absent = not enforced. */
  customerWindowMarginMs?: number;
  /** Twilio Senders API host (its fake) for POST /v1/senders' ownership check; absent = unreachable. */
  twilioSendersBaseUrl?: string;
  broadcastSettings?: Partial<BroadcastSettings>;
  /** Sends in flight per broadcast chunk (default 16). */
  broadcastMaxInFlight?: number;
  /** BROADCAST_STATUS_FOLD_MS (the journal's wait for statuses); 250 unless given. */
  broadcastFoldMs?: number;
}) {
  const box = createSecretBox(new Map([['k1', Buffer.alloc(32, 9)]]));
  const messages = createMessageHistoryRepository(opts.conn);
  const senders = createSenderRepository(opts.conn, box, { cacheMs: 60_000 });
  // Cached as the API's (API_READ_CACHE_MS): a change through it is seen at once.
  const callbacks = createTenantCallbackRepository(opts.conn, box, { cacheMs: 60_000 });
  const inbound = createInboundMessageRepository(opts.conn);
  const windows = createCustomerWindowRepository(opts.conn);
  const meta = createMetaMessagingProvider({
    baseUrl: opts.metaBaseUrl,
    apiVersion: 'v23.0',
    timeoutMs: 2_000,
    waits: { throughput: 100, pair: 200, account: 300, fallback: 100 },
    statusRefKey: STATUS_REF_KEY,
    credentials: (t, s) => senders.metaCredentials(t, s),
  });
  const providers = [meta];
  if (opts.dialog360BaseUrl)
    providers.push(
      createDialog360MessagingProvider({
        baseUrl: opts.dialog360BaseUrl,
        timeoutMs: 2_000,
        waits: { throughput: 100, pair: 200, account: 300, fallback: 100 },
        statusRefKey: STATUS_REF_KEY,
        credentials: dialog360CredentialsFrom(senders),
      }),
    );
  if (opts.twilio)
    providers.push(
      createTwilioMessagingProvider({
        baseUrl: opts.twilio.baseUrl,
        timeoutMs: 2_000,
        publicBaseUrl: opts.twilio.publicBaseUrl,
        waits: { api: 100, channel: 200, fallback: 100 },
        credentials: twilioCredentialsFrom(senders),
      }),
    );
  if (opts.sessions && opts.gatewayBaseUrl)
    providers.push(
      createGatewayMessagingProvider({
        baseUrl: opts.gatewayBaseUrl,
        apiKey: opts.gatewayApiKey,
        timeoutMs: 2_000,
        sessions: opts.sessions,
      }),
    );
  const registry = createMessagingRegistry({
    providers,
    officialSenders: senders,
    sessions: opts.sessions ?? null,
    gatewayProvider: 'whatsapp_web',
  });
  const settings = { ...TEST_SETTINGS, ...opts.settings };
  const rateFor = opts.rateFor ?? (() => ({ ratePerSec: 1000, burst: 1000 }));
  const limiter = createSendLimiter(opts.conn, rateFor, { maxWaitMs: opts.limiterMaxWaitMs });
  const activityDeps: MessageActivityDeps = { messages, registry, limiter };
  const commands = createMessagesService({
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    messages,
    registry,
    settings,
    maxRetries: 3,
    waitSentMaxMs: 5_000,
    commandTimeoutMs: 5_000,
    callbacks,
    recipientHash: testRecipientHash,
    customerWindow:
      opts.customerWindowMarginMs === undefined
        ? undefined
        : createCustomerWindowPolicy({ windows, marginMs: opts.customerWindowMarginMs }),
  });
  const broadcasts = createBroadcastRepository(opts.conn);
  const broadcastSettings = { ...TEST_BROADCAST_SETTINGS, ...opts.broadcastSettings };
  const broadcastCommands = createBroadcastsService({
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    broadcasts,
    registry,
    settings: broadcastSettings,
    callbacks,
    commandTimeoutMs: 5_000,
    temporalUiUrl: 'http://127.0.0.1:8233',
  });
  // POST /v1/senders asks the Meta fake (Graph) and the Twilio Senders fake who owns a number (issue 15).
  const senderVerifier = createSenderOwnershipVerifier({
    meta: createMetaOwnershipClient({ baseUrl: opts.metaBaseUrl, apiVersion: 'v23.0', timeoutMs: 2_000 }),
    twilio: createTwilioSendersClient({
      baseUrl: opts.twilioSendersBaseUrl ?? 'http://127.0.0.1:9',
      timeoutMs: 2_000,
    }),
  });
  const providerOf = async (t: string, s: string) =>
    (await registry.resolveSender(t, s))?.provider.name ?? null;
  return {
    senderVerifier,
    alerts: createAccountAlertRepository(opts.conn),
    windows,
    messages,
    senders,
    callbacks,
    inbound,
    registry,
    commands,
    limiter,
    broadcasts,
    broadcastCommands,
    /** GET/PUT/DELETE /v1/senders/:id/rate, wired as in src/api/server.ts. */
    sendRates: { limiter, providerOf, rateFor },
    /** GET /v1/inbound and /v1/conversations, wired as in src/api/server.ts (the default margin). */
    conversations: {
      inbound,
      conversations: createConversationRepository(opts.conn),
      windows,
      providerOf,
      windowMarginMs: opts.customerWindowMarginMs ?? 60_000,
    },
    activities: createActivities({
      pings: createDiagnosticPingRepository(opts.conn),
      messaging: {
        ...activityDeps,
        callbacks: { repo: callbacks, ...LOCAL_CALLBACK_DELIVERY },
        inbound: { repo: inbound, windows, deadLetters: createDeadLetterRepository(opts.conn) },
        broadcasts: {
          broadcasts,
          windows:
            opts.customerWindowMarginMs === undefined
              ? undefined
              : { repo: windows, marginMs: opts.customerWindowMarginMs },
          maxInFlight: opts.broadcastMaxInFlight ?? 16,
          // Short, so a test's broadcast ends soon, yet long enough that the journal is exercised.
          foldMs: opts.broadcastFoldMs ?? 250,
        },
      },
      metrics: opts.metrics,
    }),
  };
}

export type MessagingDeps = ReturnType<typeof messagingDeps>;

/**
 * The messaging feature over `deps`, wired as src/api/server.ts wires it (Meta's app secret, the
 * status-reference key, callbacks to loopback allowed); `parts` replaces what a test needs otherwise.
 */
export function messagingFeature(
  deps: MessagingDeps,
  parts: Partial<AppFeatures['messaging']> = {},
): AppFeatures['messaging'] {
  return {
    commands: deps.commands,
    messages: deps.messages,
    senders: deps.senders,
    metaAppSecret: APP_SECRET,
    metaVerifyToken: undefined,
    statusRefKey: STATUS_REF_KEY,
    senderVerifier: deps.senderVerifier,
    publicBaseUrl: 'http://127.0.0.1:9',
    alerts: deps.alerts,
    callbacks: deps.callbacks,
    callbackTargets: LOCAL_CALLBACK_TARGETS,
    sendRates: deps.sendRates,
    inbound: { callbackMaxAttempts: 10, callbackRetryInitialMs: 50 },
    broadcasts: { commands: deps.broadcastCommands, broadcasts: deps.broadcasts, bodyLimit: '4mb' },
    ...parts,
  };
}

/**
 * The real app with messaging and every webhook mounted (Meta GET+POST, 360dialog, Twilio, GET
 * /v1/alerts), listening on loopback. PUBLIC_BASE_URL is its own URL (what the fakes post to and
 * Twilio signs); `appFor` builds another instance over the same stores for another public URL.
 */
export async function startMessagingApi(opts: {
  conn: Connection;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  deps: MessagingDeps;
  metrics?: Metrics;
  metaVerifyToken?: string;
}) {
  const appFor = (publicBaseUrl: string) =>
    buildTestApp({
      conn: opts.conn,
      temporal: opts.temporal,
      taskQueue: opts.taskQueue,
      logger: opts.logger,
      overrides: {
        bodyLimit: '256kb',
        metrics: opts.metrics,
        messaging: messagingFeature(opts.deps, { metaVerifyToken: opts.metaVerifyToken, publicBaseUrl }),
        conversations: opts.deps.conversations,
      },
    });
  const server: Server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = appFor(url);
  server.on('request', app);
  return {
    url,
    server,
    app,
    appFor,
    alerts: opts.deps.alerts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls `fn` until it returns a truthy value or the deadline passes (then throws with the last value). */
export async function eventually<T>(
  fn: () => Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
