import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Connection } from 'mongoose';
import { createSessionActivities } from '../../activities/session.activities';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import {
  createSessionRepository,
  type SessionRepository,
} from '../../src/db/repositories/session.repository';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { gatewaySessionName } from '../../src/providers/gateways/shared/session-name';
import { createSecretBox } from '../../src/security/secret-box';
import { createGatewaySimulator, type GatewaySimulator } from '../../src/simulator/gateway-simulator';
import type { SimulatorOptions } from '../../src/simulator/simulator-state';
import type { SessionTiming, SessionView } from '../../workflows/session.definitions';
import { buildTestApp } from './app';
import type { AppDeps } from '../../src/api/app';
import type { Logger } from '../../src/logging/logger';
import { createTestWorker } from './temporal';
import type { NativeConnection } from '@temporalio/worker';
import type { GatewayKind } from '../../src/domain/gateway-kind';

export const MASTER_KEY = 'sim-master-key';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export const FAST_TIMING: SessionTiming = {
  qrExpiryMs: 60_000,
  pollInitialMs: 100,
  pollMaxMs: 400,
  connectedPollMs: 1_000,
  createMaxAttempts: 3,
  createInitialIntervalMs: 100,
  callTimeoutMs: 3_000,
};

/** The secret box every session test (and the child worker process) uses. */
export const testSecretBox = () => createSecretBox(new Map([['k1', Buffer.alloc(32, 9)]]));

/** Polls `fn` until `ok` holds (or throws after the deadline with the last value). */
export async function waitFor<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Everything a session test needs on the real stack: the app listening on loopback (so the
 * simulator can post webhooks to it), the gateway simulator, the session repository, and
 * activities wired to both.
 */
export async function startSessionStack(opts: {
  conn: Connection;
  temporal: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  logger: Logger;
  simulator?: Partial<SimulatorOptions>;
  timing?: Partial<SessionTiming>;
  /** Register our webhook on the gateway per session (as the worker does when a secret is set). */
  registerWebhook?: boolean;
  /** The gateway contract sessions are created on (default the seed's); the simulator speaks all three. */
  gatewayKind?: GatewayKind;
  /** The simulator's port, when a caller needs its URL before the stack is up (default: any free one). */
  simulatorPort?: number;
  /** More app dependencies (e.g. the session health route). */
  appOverrides?: Partial<AppDeps>;
}) {
  const box = testSecretBox();
  const repository: SessionRepository = createSessionRepository(opts.conn, box);
  const keys = createApiKeyRepository(opts.conn);
  const timing = { ...FAST_TIMING, ...opts.timing };
  const app = buildTestApp({
    conn: opts.conn,
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    logger: opts.logger,
    overrides: {
      sessions: {
        repository,
        gatewayKind: opts.gatewayKind ?? 'seed',
        timing,
        webhookSecret: WEBHOOK_SECRET,
        queryTimeoutMs: 3_000,
      },
      ...opts.appOverrides,
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sim: GatewaySimulator = createGatewaySimulator({
    masterKey: MASTER_KEY,
    webhookUrl: `${appUrl}/webhooks/gateway`,
    webhookSecret: WEBHOOK_SECRET,
    qrDelayMs: 100,
    qrRotateMs: 60_000,
    ...opts.simulator,
  });
  const { url: simUrl } = await sim.listen(opts.simulatorPort);
  const gateways = createGatewayRegistry(
    {
      kind: opts.gatewayKind ?? 'seed',
      baseUrl: simUrl,
      masterKey: MASTER_KEY,
      // WAHA's X-Api-Key, Evolution's global apikey: the simulator's (its master key unless set).
      apiKey: opts.simulator?.apiKey ?? MASTER_KEY,
      timeoutMs: 2_000,
      ...(opts.registerWebhook
        ? { webhook: { url: `${appUrl}/webhooks/gateway`, secret: WEBHOOK_SECRET } }
        : {}),
    },
    opts.logger,
  );
  const activities = createSessionActivities({
    sessions: { sessions: repository, gateways, logger: opts.logger },
  });
  const newWorker = (): Promise<Worker> =>
    createTestWorker(opts.nativeConnection, opts.taskQueue, activities);

  return {
    app,
    appUrl,
    /** The session activities, for a test worker that hosts more (e.g. inbound messages). */
    activities,
    sim,
    simUrl,
    repository,
    keys,
    timing,
    newWorker,
    gwName: gatewaySessionName,
    query: (tenantId: string, sessionId: string): Promise<SessionView> =>
      opts.temporal.workflow.getHandle(`session:${tenantId}:${sessionId}`).query<SessionView>('getSession'),
    async close() {
      await sim.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
