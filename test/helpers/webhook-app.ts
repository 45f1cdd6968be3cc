import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { createAccountAlertRepository } from '../../src/db/repositories/account-alert.repository';
import type { Logger } from '../../src/logging/logger';
import type { Metrics } from '../../src/observability/metrics';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { buildTestApp } from './app';
import { APP_SECRET, LOCAL_CALLBACK_TARGETS, STATUS_REF_KEY, type messagingDeps } from './messaging';

export const VERIFY_TOKEN = 'meta-verify-token-for-tests';

/**
 * The real app with every webhook mounted (Meta GET+POST, 360dialog, Twilio) and GET /v1/alerts,
 * listening on loopback. PUBLIC_BASE_URL is its own URL (what the fakes post to and Twilio signs);
 * `appFor` builds another instance over the same stores for another public URL (e.g. https://…).
 */
export async function startWebhookApi(opts: {
  conn: Connection;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  deps: ReturnType<typeof messagingDeps>;
  metrics?: Metrics;
  metaVerifyToken?: string;
}) {
  const alerts = createAccountAlertRepository(opts.conn);
  const appFor = (publicBaseUrl: string) =>
    buildTestApp({
      conn: opts.conn,
      temporal: opts.temporal,
      taskQueue: opts.taskQueue,
      logger: opts.logger,
      overrides: {
        bodyLimit: '256kb',
        metrics: opts.metrics,
        messaging: {
          commands: opts.deps.commands,
          messages: opts.deps.messages,
          senders: opts.deps.senders,
          metaAppSecret: APP_SECRET,
          metaVerifyToken: opts.metaVerifyToken,
          statusRefKey: STATUS_REF_KEY,
          publicBaseUrl,
          alerts,
          callbacks: opts.deps.callbacks,
          callbackTargets: LOCAL_CALLBACK_TARGETS,
          inbound: { callbackMaxAttempts: 10, callbackRetryInitialMs: 50 },
        },
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
    app,
    appFor,
    alerts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * How many status signals a message's workflow has received (a webhook's statuses of one message
 * come as one): proof that a refused webhook did nothing.
 */
export async function statusSignals(temporal: Client, tenantId: string, messageId: string): Promise<number> {
  const history = await temporal.workflow.getHandle(workflowIds.message(tenantId, messageId)).fetchHistory();
  return (history.events ?? []).filter(
    (e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'messageStatus' ||
      e.workflowExecutionSignaledEventAttributes?.signalName === 'messageStatuses',
  ).length;
}
