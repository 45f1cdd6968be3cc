import { codecRoutes, redactCodecPath, type CodecRoutesDeps } from './routes/codec.routes';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logging/logger';
import type { DiagnosticPingRepository } from '../db/repositories/diagnostic-ping.repository';
import { errorHandler, unmatchedRoute } from './middleware/errors';
import { v1JsonBody } from './middleware/json-body';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { requireApiKey, type Authenticator } from './middleware/auth';
import { admissionControl, type AdmissionLimits, type TenantUsage } from './middleware/admission';
import { healthRoutes, type ReadinessChecks } from './routes/health.routes';
import { diagnosticsRoutes } from './routes/diagnostics.routes';
import { messagesRoutes } from './routes/messages.routes';
import { sendersRoutes } from './routes/senders.routes';
import { sendRateRoutes, type SendRateRoutesDeps } from './routes/send-rate.routes';
import { broadcastsRoutes, type BroadcastsRouteDeps } from './routes/broadcasts.routes';
import { statsRoutes } from './routes/stats.routes';
import { metaWebhookRoutes } from './routes/meta-webhook.routes';
import { dialog360WebhookRoutes } from './routes/dialog360-webhook.routes';
import { twilioWebhookRoutes } from './routes/twilio-webhook.routes';
import { alertsRoutes } from './routes/alerts.routes';
import { deadLettersRoutes } from './routes/dead-letters.routes';
import type { DeadLetterRepository } from '../db/repositories/dead-letter.repository';
import type { AccountAlertRepository } from '../db/repositories/account-alert.repository';
import { callbacksRoutes, type CallbacksRoutesDeps } from './routes/callbacks.routes';
import type { TenantCallbackRepository } from '../db/repositories/tenant-callback.repository';
import type { MessagesService } from './messages/messages.service';
import type { MessageHistoryRepository } from '../db/repositories/message-history.repository';
import type { SenderRepository } from '../db/repositories/sender.repository';
import type { SenderOwnershipVerifier } from '../providers/sender-ownership';
import { sessionRoutes, type SessionRoutesDeps } from './routes/sessions.routes';
import { gatewayWebhookRoutes } from './routes/gateway-webhook.routes';
import type { SessionRepository } from '../db/repositories/session.repository';
import { redactQuerySecrets, redactUrlSecrets } from '../logging/redact-url';
import { sessionHealthRoutes } from './routes/session-health.routes';
import { onboardingsRoutes } from './routes/onboardings.routes';
import type { OnboardingCommands } from './onboardings/onboarding-commands';
import { adminRoutes } from './routes/admin.routes';
import { signupRoutes, type SignupPageConfig } from './routes/signup.routes';
import { docsRoutes } from './routes/docs.routes';
import type { SessionHealthRepository } from '../db/repositories/session-health.repository';
import { metricsRoutes } from './routes/metrics.routes';
import { conversationsRoutes, type ConversationsRoutesDeps } from './routes/conversations.routes';
import { meRoutes, type TemporalUiLink } from './routes/me.routes';
import type { Metrics } from '../observability/metrics';

/**
 * The features an API can serve, each with its required parts. An app serves a subset by leaving
 * members out (AppDeps takes them as Partial): a feature left out has no routes at all. The API's
 * composition root (src/api/server.ts) builds an AppFeatures, so one it forgets is a compile error.
 */
export interface AppFeatures {
  /**
   * Messages, official senders, broadcasts, callbacks and the providers' webhooks (issues 4, 7,
   * 14, 15, 18). Every part is required: an API that serves messaging serves all of it.
   */
  messaging: {
    commands: MessagesService;
    messages: MessageHistoryRepository;
    senders: SenderRepository;
    /** META_APP_SECRET, which signs Meta's webhooks; unset = they are refused. */
    metaAppSecret: string | undefined;
    /** META_WEBHOOK_VERIFY_TOKEN for GET /webhooks/meta; unset = handshakes refused. */
    metaVerifyToken: string | undefined;
    /** Key of the MAC on Meta/360dialog status references (issue 15). */
    statusRefKey: Buffer;
    /** Ownership checks of POST /v1/senders (issue 15). */
    senderVerifier: SenderOwnershipVerifier;
    /** PUBLIC_BASE_URL: the URL Twilio signs is ours as configured. */
    publicBaseUrl: string;
    /** Account alerts from the Meta and 360dialog webhooks, and GET /v1/alerts. */
    alerts: AccountAlertRepository;
    /** The tenants' callback URLs (/v1/callbacks), read when a message or an inbound event starts. */
    callbacks: TenantCallbackRepository;
    /** Which callback URLs may be registered (issue 15; CALLBACK_ALLOW_HTTP, CALLBACK_ALLOW_PRIVATE_NETWORKS). */
    callbackTargets: CallbacksRoutesDeps['targets'];
    /** GET/PUT/DELETE /v1/senders/:id/rate (issue 14). */
    sendRates: SendRateRoutesDeps;
    /** Inbound messages from the Meta, BSP and gateway webhooks: their workflows' callback retries. */
    inbound: { callbackMaxAttempts: number; callbackRetryInitialMs: number };
    /** /v1/broadcasts (issue 18) and the larger body limit of its POST. */
    broadcasts: BroadcastsRouteDeps & { bodyLimit: string };
  };
  /** WhatsApp Web sessions and the gateway webhook (issue 3). */
  sessions: Omit<SessionRoutesDeps, 'temporal' | 'taskQueue' | 'sessions'> & {
    repository: SessionRepository;
    webhookSecret: string | undefined;
  };
  /** `GET /v1/health/sessions`: the latest session health sweep (issue 8). */
  sessionHealth: { sweeps: Pick<SessionHealthRepository, 'latestForTenant'> };
  /** `/v1/onboardings` (issue 7): onboarding sagas for Meta, 360dialog and Twilio. */
  onboardings: { commands: OnboardingCommands };
  /** `GET /v1/inbound` and `GET /v1/conversations/{senderId}/{contact}` (issue 17): reads only. */
  conversations: ConversationsRoutesDeps;
}

export interface AppDeps extends Partial<AppFeatures> {
  logger: Logger;
  bodyLimit: string;
  /** `Retry-After` (seconds) on a 503 while the database or Temporal is down (API_RETRY_AFTER_SECONDS); default 5. */
  retryAfterSeconds?: number;
  apiKeys: Authenticator;
  /** Rate limits per API key, per-tenant caps and the stats cache (issue 15; see middleware/admission.ts). */
  admission: { limits: AdmissionLimits; usage: TenantUsage; statsCacheMs: number };
  temporal: Client;
  taskQueue: string;
  readiness: ReadinessChecks;
  pings: Pick<DiagnosticPingRepository, 'get'>;
  /** Webhook entries that could not be processed: written by every webhook, listed by GET /v1/dead-letters. */
  deadLetters: DeadLetterRepository;
  /** `GET /metrics` and webhook counters (issue 8); absent = not mounted. */
  metrics?: Metrics;
  /** Bearer token for /metrics; unset = /metrics answers 404 unless `metricsPublic` (issue 15). */
  metricsToken?: string;
  /** METRICS_PUBLIC=true: /metrics open without a token (the API's port is on a private network). */
  metricsPublic?: boolean;
  /** `/signup` (issue 7): the Embedded Signup page's public settings; absent = no provider offered. */
  signup?: SignupPageConfig;
  /** HTTPS_ONLY and TRUST_PROXY (issue 12); absent = plain HTTP served as such, no proxy trusted. */
  transport?: { httpsOnly: boolean; trustProxy: boolean | number | string };
  /** The Web UI's codec endpoint and the operators' recipient query (issue 15); absent = not mounted. */
  codec?: CodecRoutesDeps;
  /** TEMPORAL_UI_URL and the namespace, for the admin page's workflow links (GET /v1/me); absent = no links. */
  temporalUi?: TemporalUiLink;
}

declare module 'http' {
  interface IncomingMessage {
    /** The exact bytes of a JSON body, kept for webhook signature checks. */
    rawBody?: Buffer;
  }
}

/** Builds the Express app from its dependencies; `listen` is the server's business (src/api/server.ts). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.transport?.trustProxy ?? false);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      quietReqLogger: true,
      // Secrets in query strings (the seed gateway's per-session token, Meta's hub.verify_token, any
      // key/code/secret parameter) never reach the log: see src/logging/redact-url.ts.
      serializers: {
        req: (r: { url?: string; query?: Record<string, unknown> }) => ({
          ...r,
          // redactCodecPath: the codec token the Web UI's endpoint may carry in its path (issue 15).
          url: r.url === undefined ? r.url : redactUrlSecrets(redactCodecPath(r.url)),
          query: r.query === undefined ? r.query : redactQuerySecrets(r.query),
        }),
      },
    }),
  );
  app.use(securityHeaders({ httpsOnly: deps.transport?.httpsOnly ?? false }));
  // The codec endpoint parses its own (larger) bodies, after its token check (issue 15).
  if (deps.codec) app.use(codecRoutes(deps.codec));
  // `/v1` bodies: JSON objects only, bounded in depth, storable (415/400 otherwise); see json-body.ts.
  // A broadcast lists up to 10,000 recipients: its own (larger) limit, parsed before the general one.
  if (deps.messaging) app.use('/v1/broadcasts', v1JsonBody({ limit: deps.messaging.broadcasts.bodyLimit }));
  app.use('/v1', v1JsonBody({ limit: deps.bodyLimit }));
  // Webhook bodies stay bytes: each route checks its signature on them first, then parses.
  app.use(
    '/webhooks',
    express.raw({ type: ['application/json', 'application/*+json'], limit: deps.bodyLimit }),
  );
  app.use(
    express.json({
      limit: deps.bodyLimit,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );

  app.use(healthRoutes(deps.readiness));
  // `/openapi.json` is built from this app's own routes and their zod schemas (src/api/openapi).
  app.use(docsRoutes());
  if (deps.metrics)
    app.use(
      metricsRoutes({ metrics: deps.metrics, token: deps.metricsToken, public: deps.metricsPublic ?? false }),
    );
  // The admin page (issue 8): static files only; every action it takes goes through /v1.
  app.use(adminRoutes());
  // The signup page (issue 7): static files and its public config; it starts onboardings through /v1.
  app.use(signupRoutes(deps.signup));
  // Every webhook's ingest deps, built once (src/ingest/webhook-pipeline.ts).
  const inbound = deps.messaging && {
    callbacks: deps.messaging.callbacks,
    taskQueue: deps.taskQueue,
    ...deps.messaging.inbound,
  };
  const ingest = {
    temporal: deps.temporal,
    deadLetters: deps.deadLetters,
    logger: deps.logger,
    metrics: deps.metrics,
    inbound,
  };
  if (deps.sessions)
    app.use(
      gatewayWebhookRoutes({
        ...ingest,
        sessions: deps.sessions.repository,
        secret: deps.sessions.webhookSecret,
        // WAHA and Evolution acknowledgements move messages sent through sessions (issue 17).
        messages: deps.messaging?.messages,
      }),
    );
  if (deps.messaging) {
    const official = {
      ...ingest,
      messages: deps.messaging.messages,
      senders: deps.messaging.senders,
      alerts: deps.messaging.alerts,
      statusRefKey: deps.messaging.statusRefKey,
    };
    app.use(
      metaWebhookRoutes({
        ...official,
        appSecret: deps.messaging.metaAppSecret,
        verifyToken: deps.messaging.metaVerifyToken,
      }),
    );
    // BSP webhooks (issue 7): each authenticates one sender, which names the tenant.
    app.use(dialog360WebhookRoutes(official));
    app.use(
      twilioWebhookRoutes({
        ...official,
        // Twilio's webhook carries no account alerts.
        alerts: undefined,
        publicBaseUrl: deps.messaging.publicBaseUrl,
        bodyLimit: deps.bodyLimit,
      }),
    );
  }

  const v1 = express.Router();
  v1.use(requireApiKey(deps.apiKeys));
  // Issue 15: a token bucket per API key (tighter for costly routes) and per-tenant caps.
  v1.use(admissionControl(deps.admission.limits, deps.admission.usage));
  v1.use(diagnosticsRoutes({ temporal: deps.temporal, taskQueue: deps.taskQueue, pings: deps.pings }));
  v1.use(deadLettersRoutes({ deadLetters: deps.deadLetters }));
  v1.use(meRoutes({ temporalUi: deps.temporalUi }));
  if (deps.messaging) {
    v1.use(messagesRoutes({ commands: deps.messaging.commands, messages: deps.messaging.messages }));
    v1.use(sendersRoutes({ senders: deps.messaging.senders, verifier: deps.messaging.senderVerifier }));
    v1.use(sendRateRoutes(deps.messaging.sendRates));
    v1.use(broadcastsRoutes(deps.messaging.broadcasts));
    v1.use(alertsRoutes({ alerts: deps.messaging.alerts }));
    v1.use(statsRoutes({ messages: deps.messaging.messages, cacheMs: deps.admission.statsCacheMs }));
    v1.use(callbacksRoutes({ callbacks: deps.messaging.callbacks, targets: deps.messaging.callbackTargets }));
  }
  if (deps.sessions) {
    const { repository, webhookSecret: _secret, ...rest } = deps.sessions;
    v1.use(
      sessionRoutes({ ...rest, temporal: deps.temporal, taskQueue: deps.taskQueue, sessions: repository }),
    );
  }
  if (deps.sessionHealth) v1.use(sessionHealthRoutes(deps.sessionHealth));
  if (deps.onboardings) v1.use(onboardingsRoutes(deps.onboardings));
  if (deps.conversations) v1.use(conversationsRoutes(deps.conversations));
  app.use('/v1', v1);

  app.use(unmatchedRoute(app));
  app.use(errorHandler({ retryAfterSeconds: deps.retryAfterSeconds ?? 5 }));
  return app;
}
