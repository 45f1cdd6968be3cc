import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Connection } from 'mongoose';
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  freePort,
  startFerretDb,
  startTemporalDevServer,
  type Started,
} from '../../scripts/lib/infra';
import { idForKey } from '../../src/api/messages/message-view';
import { connectMongo, MONGO_UNAVAILABLE_WAIT_MS } from '../../src/db/connection';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { connectTemporalClient, type TemporalClientHandle } from '../../src/temporal/client';
import { workflowIds } from '../../src/temporal/workflow-ids';
import type { Client } from '@temporalio/client';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { eventually, messagingDeps, messagingFeature } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, testPayloadCodec, uniqueTaskQueue } from '../helpers/temporal';

const RETRY_AFTER = 7;
/** The API's Temporal client in production (src/api/server.ts) gives up after this many attempts. */
const API_RPC_ATTEMPTS = 5;
const TEXT = { from: 'meta-out', to: '+4915100000041', type: 'text', text: { body: 'hello' } };

/**
 * Issue 13: while our own database or Temporal is down, every endpoint answers 503
 * `dependency_unavailable` with Retry-After — within seconds, never a 500 — and a 2xx still means
 * durable; once the dependency is back, requests succeed again. Each on a server of the test's own,
 * stopped and restarted for real. No worker runs: a 202 only needs the workflow started.
 */
describe('the API while its own dependencies are down', () => {
  const log = captureLogger();

  /** The app as server.ts builds it, over the given database and Temporal client. */
  async function messagingApp(conn: Connection, temporal: Client) {
    const deps = messagingDeps({
      conn,
      temporal,
      taskQueue: uniqueTaskQueue('outage-idle'),
      metaBaseUrl: 'http://127.0.0.1:9',
    });
    const app = buildTestApp({
      conn,
      temporal,
      taskQueue: uniqueTaskQueue('outage'),
      logger: log.logger,
      overrides: {
        retryAfterSeconds: RETRY_AFTER,
        messaging: messagingFeature(deps),
      },
    });
    const tenant = `tenant-out-${randomBytes(3).toString('hex')}`;
    const auth = { Authorization: `Bearer ${(await createApiKeyRepository(conn).create(tenant)).token}` };
    await deps.senders.register(tenant, {
      senderId: 'meta-out',
      phoneNumberId: '400000000000041',
      wabaId: '1041',
      displayPhoneNumber: '15550000041',
      accessToken: 'EAAG-outage-token-0123456789',
    });
    return { app, auth, tenant, deps };
  }

  /** The 503 every endpoint answers, naming the dependency and never the raw error. */
  function expectUnavailable(res: request.Response, dependency: 'database' | 'temporal') {
    expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({
      status: 503,
      retryAfter: String(RETRY_AFTER),
    });
    expect(res.body).toEqual({
      error: {
        code: 'dependency_unavailable',
        message: `${dependency === 'database' ? 'The database' : 'Temporal'} is unavailable: retry after ${RETRY_AFTER} seconds`,
        details: { dependency },
      },
    });
  }

  /** Sends the request and says how long the answer took. */
  async function timed(req: request.Test): Promise<{ res: request.Response; ms: number }> {
    const started = Date.now();
    const res = await req;
    return { res, ms: Date.now() - started };
  }

  describe('the database (a FerretDB of its own)', () => {
    const pgDatabase = `dw_outage_${randomBytes(5).toString('hex')}`;
    let port: number;
    let ferret: Started;
    let conn: Connection;
    let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
    let api: Awaited<ReturnType<typeof messagingApp>>;

    beforeAll(async () => {
      createPostgresDatabase(pgDatabase);
      port = await freePort();
      ferret = await startFerretDb({ port, database: pgDatabase, stdio: 'ignore', logLevel: 'error' });
      conn = await connectMongo(`mongodb://127.0.0.1:${port}/outage`, { maxPoolSize: 5 });
      temporal = await connectTestTemporal();
      api = await messagingApp(conn, temporal.client);
    });
    afterAll(async () => {
      await conn.close();
      await ferret.stop();
      dropPostgresDatabase(pgDatabase);
      await temporal.close();
    });

    it('?wait=sent: the database going away after the message is durable ends the wait with 202 queued', async () => {
      const pending = request(api.app)
        .post('/v1/messages?wait=sent')
        .set(api.auth)
        .set('Idempotency-Key', 'outage-wait-1')
        .send(TEXT)
        .then((r) => r);
      // Once its workflow exists the message is durable, and the request is polling for `sent`
      // (no worker records it): then the database goes away.
      const workflowId = workflowIds.message(api.tenant, idForKey('msg', api.tenant, 'outage-wait-1'));
      await eventually(
        () =>
          temporal.client.workflow
            .getHandle(workflowId)
            .describe()
            .then(
              () => true,
              () => false,
            ),
        'the workflow started',
      );
      ferret.child.kill('SIGKILL');
      await ferret.stop();
      const res = await pending;
      expect({ status: res.status, body: res.body }).toEqual({
        status: 202,
        body: { id: expect.stringMatching(/^msg_/), status: 'queued' },
      });
      await temporal.client.workflow.getHandle(workflowId).terminate('test done');
    });

    it('while it is down, POST /v1/messages and GET /v1/messages answer 503 with Retry-After within seconds', async () => {
      const bound = MONGO_UNAVAILABLE_WAIT_MS + 2_000;
      const post = await timed(request(api.app).post('/v1/messages').set(api.auth).send(TEXT));
      expectUnavailable(post.res, 'database');
      expect(post.ms).toBeLessThan(bound);
      const keyed = await request(api.app)
        .post('/v1/messages')
        .set(api.auth)
        .set('Idempotency-Key', 'outage-2')
        .send(TEXT);
      expectUnavailable(keyed, 'database');
      const list = await timed(request(api.app).get('/v1/messages').set(api.auth));
      expectUnavailable(list.res, 'database');
      expect(list.ms).toBeLessThan(bound);
      expectUnavailable(await request(api.app).get('/v1/senders').set(api.auth), 'database');
      // Operators see the driver's error in the log; clients only the dependency's name.
      expect(log.lines().some((l) => l.includes('dependency unavailable') && l.includes('"database"'))).toBe(
        true,
      );
    });

    it('once it is back, the same requests succeed', async () => {
      ferret = await startFerretDb({ port, database: pgDatabase, stdio: 'ignore', logLevel: 'error' });
      await eventually(
        async () => (await request(api.app).get('/v1/messages').set(api.auth)).status === 200,
        'GET /v1/messages answers 200',
      );
      const res = await request(api.app)
        .post('/v1/messages')
        .set(api.auth)
        .set('Idempotency-Key', 'outage-2')
        .send(TEXT)
        .expect(202);
      const id = res.body.id as string;
      // Not recorded (no worker) but durable: the API finds its workflow.
      await request(api.app).get(`/v1/messages/${id}`).set(api.auth).expect(200);
      await temporal.client.workflow.getHandle(workflowIds.message(api.tenant, id)).terminate('test done');
    });
  });

  describe('Temporal (a dev server of its own)', () => {
    let port: number;
    let server: Started;
    let temporal: TemporalClientHandle;
    let db: Awaited<ReturnType<typeof openTestDatabase>>;
    let api: Awaited<ReturnType<typeof messagingApp>>;

    beforeAll(async () => {
      port = await freePort();
      server = await startTemporalDevServer({ port, logLevel: 'error', stdio: 'ignore' });
      // As src/api/server.ts connects: few attempts, so an outage is answered within seconds.
      temporal = await connectTemporalClient({
        connection: { address: `127.0.0.1:${port}` },
        namespace: 'default',
        payloadCodec: testPayloadCodec,
        rpcAttempts: API_RPC_ATTEMPTS,
      });
      db = await openTestDatabase();
      api = await messagingApp(db.conn, temporal.client);
    });
    afterAll(async () => {
      await temporal.close();
      await server.stop();
      await db.drop();
    });

    it('while it is down, POST /v1/messages and GET /v1/messages/:id answer 503 with Retry-After within seconds', async () => {
      await request(api.app).post('/v1/messages').set(api.auth).send(TEXT).expect(202);
      server.child.kill('SIGKILL');
      await server.stop();

      const post = await timed(request(api.app).post('/v1/messages').set(api.auth).send(TEXT));
      expectUnavailable(post.res, 'temporal');
      expect(post.ms).toBeLessThan(8_000);
      // Not in the database, so the API asks Temporal whether it was accepted a moment ago.
      const one = await timed(request(api.app).get('/v1/messages/msg_0123456789abcdefghij').set(api.auth));
      expectUnavailable(one.res, 'temporal');
      expect(one.ms).toBeLessThan(8_000);
      // What the database alone answers is still answered.
      await request(api.app).get('/v1/messages').set(api.auth).expect(200);
    });

    it('once it is back, sending succeeds again', async () => {
      server = await startTemporalDevServer({ port, logLevel: 'error', stdio: 'ignore' });
      const res = await eventually(async () => {
        const r = await request(api.app).post('/v1/messages').set(api.auth).send(TEXT);
        return r.status === 202 ? r : null;
      }, 'POST /v1/messages answers 202');
      expect(res.body).toEqual({ id: expect.stringMatching(/^msg_/), status: 'queued' });
    });
  });
});
