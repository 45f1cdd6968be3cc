import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Worker } from '@temporalio/worker';
import { createSessionActivities } from '../../activities/session.activities';
import { createSessionHealthActivities } from '../../activities/session-health.activities';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import type { SessionHealthSummary } from '../../src/domain/session-health';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { createGatewaySimulator } from '../../src/simulator/gateway-simulator';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, messagingDeps } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { FAST_TIMING, MASTER_KEY, WEBHOOK_SECRET, testSecretBox } from '../helpers/sessions';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

/**
 * The whole stack as `src/api/server.ts` and `workers/main.ts` wire it, in the test process: the
 * real app (sessions, messages, admin page) listening on loopback, the gateway simulator as the
 * seed gateway (its webhooks go to the app), and one worker hosting the session and message
 * activities on a task queue of its own — over the jest run's Temporal and FerretDB.
 */
export async function startAdminStack(tenantId: string) {
  const db = await openTestDatabase();
  const temporal = await connectTestTemporal();
  const taskQueue = uniqueTaskQueue('admin-e2e');
  const { logger } = captureLogger();

  // The app needs the simulator's URL and the simulator the app's: bind the app's port first.
  let handler: Express | null = null;
  const server: Server = http.createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sim = createGatewaySimulator({
    masterKey: MASTER_KEY,
    webhookUrl: `${appUrl}/webhooks/gateway`,
    webhookSecret: WEBHOOK_SECRET,
    qrDelayMs: 100,
    qrRotateMs: 60_000,
  });
  const { url: simUrl } = await sim.listen();

  const sessions = createSessionRepository(db.conn, testSecretBox());
  const sweeps = createSessionHealthRepository(db.conn);
  const messaging = messagingDeps({
    conn: db.conn,
    temporal: temporal.client,
    taskQueue,
    metaBaseUrl: 'http://127.0.0.1:1',
    gatewayBaseUrl: simUrl,
    sessions,
  });
  handler = buildTestApp({
    conn: db.conn,
    temporal: temporal.client,
    taskQueue,
    logger,
    overrides: {
      bodyLimit: '256kb',
      messaging: {
        commands: messaging.commands,
        messages: messaging.messages,
        senders: messaging.senders,
        metaAppSecret: APP_SECRET,
        callbacks: messaging.callbacks,
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
    },
  });

  const gateways = createGatewayRegistry(
    { kind: 'seed', baseUrl: simUrl, masterKey: MASTER_KEY, timeoutMs: 2_000 },
    logger,
  );
  const worker: Worker = await createTestWorker(temporal.nativeConnection, taskQueue, {
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
      },
    }),
  });
  const running = worker.run();
  const apiKey = (await createApiKeyRepository(db.conn).create(tenantId)).token;

  return {
    appUrl,
    simUrl,
    sim,
    apiKey,
    /** Official senders registered straight in the database (no provider is asked). */
    senders: messaging.senders,
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
      worker.shutdown();
      await running;
      await sim.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.drop();
      await temporal.close();
    },
  };
}
