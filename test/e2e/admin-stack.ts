import { createSessionActivities } from '../../activities/session.activities';
import { createSessionHealthActivities } from '../../activities/session-health.activities';
import { createMetaCredentialCheck } from '../../activities/credential-health.check';
import { createMetaTokenInspector } from '../../src/providers/meta/meta-token.inspector';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import type { SessionHealthSummary } from '../../src/domain/session-health';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { createGatewaySimulator } from '../../src/simulator/gateway-simulator';
import { EXAMPLE_NUMBER } from '../../src/simulator/official/cloud-api.payloads';
import { APP_SECRET, messagingDeps, STATUS_REF_KEY } from '../helpers/messaging';
import { listenFirst } from '../helpers/listen';
import { FAST_TIMING, MASTER_KEY, WEBHOOK_SECRET, testSecretBox } from '../helpers/sessions';
import { onInfra, type Infra } from '../fixtures/infra';

/** The Temporal Web UI the app's GET /v1/me names (the admin page's workflow links); nothing listens there. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const TEMPORAL_UI = { url: 'http://127.0.0.1:8233', namespace: 'default' };

/**
 * The whole stack as `src/api/server.ts` and `workers/main.ts` wire it, in the test process: the
 * real app (sessions, messages, broadcasts, send rates, admin page) listening on loopback, the
 * gateway simulator as the seed gateway (its webhooks go to the app), a Meta Graph fake for
 * official senders (sends, debug_token for the health sweep's credential check; statuses are
 * emitted by the test, signed, to the app's /webhooks/meta), and one worker hosting the session,
 * message, broadcast and health activities on a task queue of its own — over the jest run's
 * Temporal and FerretDB.
 */
export async function startAdminStack(tenantId: string) {
  return onInfra({ queue: 'admin-e2e', tenants: [tenantId] }, (infra) => adminStackOn(infra, tenantId));
}

async function adminStackOn(infra: Infra, tenantId: string) {
  const { db, temporal, taskQueue } = infra;
  const { logger } = infra.log;
  // The app needs the simulator's URL and the simulator the app's: bind the app's port first.
  const server = await listenFirst();
  infra.defer(server.close);
  const appUrl = server.url;

  const sim = createGatewaySimulator({
    masterKey: MASTER_KEY,
    webhookUrl: `${appUrl}/webhooks/gateway`,
    webhookSecret: WEBHOOK_SECRET,
    qrDelayMs: 100,
    qrRotateMs: 60_000,
  });
  const { url: simUrl } = await sim.listen();
  infra.defer(() => sim.close());
  // Tests add their senders' tokens (`meta.opts.tokens`, `meta.setTokenInfo`).
  const meta = await new MetaGraphFake({
    tokens: {},
    webhookUrl: `${appUrl}/webhooks/meta`,
    appSecret: APP_SECRET,
  }).start();
  infra.defer(() => meta.stop());

  const sessions = createSessionRepository(db.conn, testSecretBox());
  const sweeps = createSessionHealthRepository(db.conn);
  const messaging = messagingDeps({
    conn: db.conn,
    temporal: temporal.client,
    taskQueue,
    metaBaseUrl: meta.baseUrl,
    gatewayBaseUrl: simUrl,
    sessions,
  });
  server.serve(
    infra.app({
      bodyLimit: '256kb',
      messaging: {
        commands: messaging.commands,
        messages: messaging.messages,
        senders: messaging.senders,
        metaAppSecret: APP_SECRET,
        statusRefKey: STATUS_REF_KEY,
        callbacks: messaging.callbacks,
        sendRates: messaging.sendRates,
        broadcasts: {
          commands: messaging.broadcastCommands,
          broadcasts: messaging.broadcasts,
          bodyLimit: '4mb',
        },
        // Inbound messages from the gateway webhook are stored (the inbound panel lists them).
        inbound: { callbackMaxAttempts: 10, callbackRetryInitialMs: 50 },
      },
      sessions: {
        repository: sessions,
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: WEBHOOK_SECRET,
        queryTimeoutMs: 3_000,
      },
      sessionHealth: { sweeps },
      conversations: messaging.conversations,
      temporalUi: TEMPORAL_UI,
    }),
  );

  const gateways = createGatewayRegistry(
    { kind: 'seed', baseUrl: simUrl, masterKey: MASTER_KEY, timeoutMs: 2_000 },
    logger,
  );
  await infra.runWorker({
    ...messaging.activities,
    ...createSessionActivities({ sessions: { sessions, gateways, logger } }),
    ...createSessionHealthActivities({
      health: {
        sessions,
        gateways,
        logger,
        health: sweeps,
        temporal: temporal.client,
        restartWaitMs: 10_000,
        credentialChecks: [
          createMetaCredentialCheck({
            senders: messaging.senders,
            logger,
            inspector: createMetaTokenInspector({
              baseUrl: meta.baseUrl,
              apiVersion: 'v23.0',
              timeoutMs: 2_000,
            }),
          }),
        ],
      },
    }),
  });
  const apiKey = infra.key(tenantId);

  /** The API as a test's own client (beside the page), with the tenant's key. */
  async function v1(method: string, path: string, body?: unknown) {
    const res = await fetch(`${appUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  return {
    appUrl,
    simUrl,
    sim,
    meta,
    apiKey,
    v1,
    /** Official senders registered straight in the database (no provider is asked). */
    senders: messaging.senders,
    /**
     * A Meta sender of the tenant whose token the Meta fake accepts for sends and describes to
     * debug_token as valid until `expiresAt` (epoch seconds, 0 = never).
     */
    async metaSender(senderId: string, phoneNumberId: string, expiresAt: number) {
      const token = `EAAG-${senderId}-token-0123456789`;
      meta.opts.tokens[phoneNumberId] = token;
      meta.setTokenInfo(token, { isValid: true, expiresAt });
      await messaging.senders.register(tenantId, {
        senderId,
        phoneNumberId,
        wabaId: EXAMPLE_NUMBER.wabaId,
        displayPhoneNumber: `1555${phoneNumberId.slice(-7)}`,
        accessToken: token,
      });
    },
    /** Customer-service windows, as the inbound activity records them. */
    windows: messaging.windows,
    temporal: temporal.client,
    /** One session health sweep, as the worker's schedule would start it. */
    sweep: (): Promise<SessionHealthSummary> =>
      temporal.client.workflow.execute('sessionHealthWorkflow', {
        workflowId: `sweep-${taskQueue}`,
        taskQueue,
        args: [
          {
            batchSize: 10,
            maxBatches: 10,
            qrExpiryMs: 600_000,
            batchTimeoutMs: 30_000,
            autoRestart: false,
            keepMs: 3_600_000,
          },
        ],
      }),
    async close(workflowIds: string[]) {
      for (const id of workflowIds)
        await temporal.client.workflow
          .getHandle(id)
          .terminate('test cleanup')
          .catch(() => undefined);
      await infra.close();
    },
  };
}
