import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Client } from '@temporalio/client';
import { idForKey } from '../../src/api/messages/message-view';
import { MONGO_UNAVAILABLE_WAIT_MS } from '../../src/db/connection';
import { connectTemporalClient, type TemporalClientHandle } from '../../src/temporal/client';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { eventually, messagingDeps, messagingFeature } from '../helpers/messaging';
import { testPayloadCodec } from '../helpers/temporal';
import { useInfra, type Infra } from '../fixtures/infra';

const RETRY_AFTER = 7;
/** The API's Temporal client in production (src/api/server.ts) gives up after this many attempts. */
const API_RPC_ATTEMPTS = 5;
const TENANT = `tenant-out-${randomBytes(3).toString('hex')}`;
const TEXT = { from: 'meta-out', to: '+4915100000041', type: 'text', text: { body: 'hello' } };

/**
 * Issue 13: while our own database or Temporal is down, every endpoint answers 503
 * `dependency_unavailable` with Retry-After — within seconds, never a 500 — and a 2xx still means
 * durable; once the dependency is back, requests succeed again. Each on a server of the test's own,
 * stopped and restarted for real. No worker runs: a 202 only needs the workflow started.
 */
describe('the API while its own dependencies are down', () => {
  const log = captureLogger();

  /** The app as server.ts builds it, over the base's database and the given Temporal client. */
  async function messagingApp(infra: Infra, temporal: Client) {
    const { conn } = infra.db;
    const deps = messagingDeps({
      conn,
      temporal,
      taskQueue: infra.taskQueue,
      metaBaseUrl: 'http://127.0.0.1:9',
    });
    const app = buildTestApp({
      conn,
      temporal,
      taskQueue: infra.taskQueue,
      logger: log.logger,
      overrides: {
        retryAfterSeconds: RETRY_AFTER,
        messaging: messagingFeature(deps),
      },
    });
    await deps.senders.register(TENANT, {
      senderId: 'meta-out',
      phoneNumberId: '400000000000041',
      wabaId: '1041',
      displayPhoneNumber: '15550000041',
      accessToken: 'EAAG-outage-token-0123456789',
    });
    return { app, auth: infra.auth(TENANT), tenant: TENANT, deps };
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
    const infra = useInfra({ queue: 'outage', ownFerretDb: true, tenants: [TENANT], logger: log.logger });
    let api: Awaited<ReturnType<typeof messagingApp>>;

    beforeAll(async () => {
      api = await messagingApp(infra, infra.temporal.client);
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
          infra.temporal.client.workflow
            .getHandle(workflowId)
            .describe()
            .then(
              () => true,
              () => false,
            ),
        'the workflow started',
      );
      await infra.ferret!.kill();
      const res = await pending;
      expect({ status: res.status, body: res.body }).toEqual({
        status: 202,
        body: { id: expect.stringMatching(/^msg_/), status: 'queued' },
      });
      await infra.temporal.client.workflow.getHandle(workflowId).terminate('test done');
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
      await infra.ferret!.restart();
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
      await infra.temporal.client.workflow
        .getHandle(workflowIds.message(api.tenant, id))
        .terminate('test done');
    });
  });

  describe('Temporal (a dev server of its own)', () => {
    let temporal: TemporalClientHandle;
    let api: Awaited<ReturnType<typeof messagingApp>>;
    // Before the server stops (declared before the fixture: afterAll hooks run in declaration order).
    afterAll(async () => {
      await temporal.close();
    });
    const infra = useInfra({ queue: 'outage', ownTemporal: {}, tenants: [TENANT], logger: log.logger });

    beforeAll(async () => {
      // As src/api/server.ts connects: few attempts, so an outage is answered within seconds.
      temporal = await connectTemporalClient({
        connection: { address: infra.temporalServer!.address },
        namespace: 'default',
        payloadCodec: testPayloadCodec,
        rpcAttempts: API_RPC_ATTEMPTS,
      });
      api = await messagingApp(infra, temporal.client);
    });

    it('while it is down, POST /v1/messages and GET /v1/messages/:id answer 503 with Retry-After within seconds', async () => {
      await request(api.app).post('/v1/messages').set(api.auth).send(TEXT).expect(202);
      await infra.temporalServer!.kill();

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
      await infra.temporalServer!.restart();
      const res = await eventually(async () => {
        const r = await request(api.app).post('/v1/messages').set(api.auth).send(TEXT);
        return r.status === 202 ? r : null;
      }, 'POST /v1/messages answers 202');
      expect(res.body).toEqual({ id: expect.stringMatching(/^msg_/), status: 'queued' });
    });
  });
});
