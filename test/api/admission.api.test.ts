import request from 'supertest';
import type { AdmissionLimits } from '../../src/api/middleware/admission';
import { idForKey } from '../../src/api/messages/message-view';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { pingQuery } from '../../src/schemas/diagnostics.schema';
import { useStack } from '../fixtures/stack';
import { TEST_ADMISSION } from '../helpers/app';
import { messagingFeature } from '../helpers/messaging';
import { FAST_TIMING, testSecretBox } from '../helpers/sessions';
import { seedStats } from '../helpers/stats-data';

describe('admission control on /v1 (issue 15, real MongoDB and Temporal)', () => {
  const stack = useStack({ queue: 'admit', worker: false });
  const keys = () => createApiKeyRepository(stack.db.conn);
  const bearer = async (tenantId: string) => ({
    Authorization: `Bearer ${(await keys().create(tenantId)).token}`,
  });

  const appWith = (limits: Partial<AdmissionLimits>, statsCacheMs = 0) =>
    stack.app({
      admission: TEST_ADMISSION(stack.db.conn, limits, statsCacheMs),
      messaging: messagingFeature(stack.deps),
      sessions: {
        repository: createSessionRepository(stack.db.conn, testSecretBox()),
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: undefined,
      },
    });

  it('a token bucket per API key: after the burst 429 rate_limited with Retry-After; another key is unaffected', async () => {
    const app = appWith({ perKey: { ratePerSec: 0.5, burst: 3 } });
    const a = await bearer('tenant-bucket-a');
    for (let i = 0; i < 3; i++) await request(app).get('/v1/dead-letters').set(a).expect(200);
    const refused = await request(app).get('/v1/dead-letters').set(a).expect(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'requests' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(2);
    // A second key of the same tenant has its own bucket.
    await request(app)
      .get('/v1/dead-letters')
      .set(await bearer('tenant-bucket-a'))
      .expect(200);
  });

  it('tighter buckets for stats, diagnostics, ?wait=sent, session creation and onboarding, each its own', async () => {
    const app = appWith({ costly: { ratePerMin: 1, burst: 2 } });
    const auth = await bearer('tenant-costly');
    const costly = [
      () => request(app).get('/v1/stats').set(auth),
      () => request(app).get('/v1/diagnostics/pings/none').set(auth),
      () => request(app).post('/v1/messages?wait=sent').set(auth).send({}),
      () => request(app).post('/v1/sessions').set(auth).send({}),
      () => request(app).post('/v1/onboardings').set(auth).send({}),
    ];
    for (const call of costly) {
      for (let i = 0; i < 2; i++) expect((await call()).status).not.toBe(429);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(refused.headers['retry-after']).toBeDefined();
    }
    // The general bucket is not spent: plain requests still pass, and a plain send is not a costly one.
    await request(app).get('/v1/dead-letters').set(auth).expect(200);
    expect((await request(app).post('/v1/messages').set(auth).send({})).status).toBe(400);
  });

  it('caps sessions and senders per tenant: 422 quota_exceeded naming the cap', async () => {
    const app = appWith({ quotas: { maxSessions: 1, maxSenders: 1, maxQueuedMessages: 100 } });
    const auth = await bearer('tenant-quota');
    await createSessionRepository(stack.db.conn, testSecretBox()).recordState({
      tenantId: 'tenant-quota',
      sessionId: 'first',
      name: null,
      gatewayKind: 'seed',
      status: 'connected',
      qr: null,
      connectedAt: null,
      lastActivityAt: null,
      error: null,
      attempt: 1,
      sessionData: null,
      version: 1,
    });
    const session = await request(app)
      .post('/v1/sessions')
      .set(auth)
      .send({ sessionId: 'second' })
      .expect(422);
    expect(session.body.error).toMatchObject({
      code: 'quota_exceeded',
      message: expect.stringContaining('TENANT_MAX_SESSIONS'),
      details: { quota: 'TENANT_MAX_SESSIONS', limit: 1, current: 1 },
    });
    await stack.deps.senders.register('tenant-quota', {
      senderId: 'meta-one',
      phoneNumberId: '400000000000077',
      wabaId: '1077',
      displayPhoneNumber: '15550000077',
      accessToken: 'EAAG-quota-token-0123456789',
    });
    const sender = await request(app).post('/v1/senders').set(auth).send({}).expect(422);
    expect(sender.body.error.details).toMatchObject({ quota: 'TENANT_MAX_SENDERS', limit: 1 });
    const onboarding = await request(app).post('/v1/onboardings').set(auth).send({}).expect(422);
    expect(onboarding.body.error.code).toBe('quota_exceeded');
    // Another tenant is not counted against this one.
    expect(
      (
        await request(app)
          .post('/v1/senders')
          .set(await bearer('tenant-free'))
          .send({})
      ).status,
    ).toBe(400);
  });

  it('caps queued messages per tenant: 429 quota_exceeded with Retry-After', async () => {
    const app = appWith({ quotas: { maxSessions: 10, maxSenders: 10, maxQueuedMessages: 2 } });
    const auth = await bearer('tenant-queue');
    const at = new Date().toISOString();
    await seedStats(stack.db.conn, stack.deps.messages, [
      { id: 'q1', tenantId: 'tenant-queue', at, provider: 'meta', senderId: 'meta-q', status: 'queued' },
      { id: 'q2', tenantId: 'tenant-queue', at, provider: 'meta', senderId: 'meta-q', status: 'queued' },
      { id: 's1', tenantId: 'tenant-queue', at, provider: 'meta', senderId: 'meta-q', status: 'sent' },
    ]);
    const send = { from: 'meta-q', to: '4915112345678', type: 'text', text: { body: 'x' } };
    const refused = await request(app).post('/v1/messages').set(auth).send(send).expect(429);
    expect(refused.body.error).toMatchObject({
      code: 'quota_exceeded',
      details: { quota: 'TENANT_MAX_QUEUED_MESSAGES', limit: 2 },
    });
    expect(refused.headers['retry-after']).toBe('5');
    // A retry of an accepted message (its Idempotency-Key) is answered by the route, never by the cap.
    const accepted = idForKey('msg', 'tenant-queue', 'replay-key-0001');
    await seedStats(stack.db.conn, stack.deps.messages, [
      { id: accepted, tenantId: 'tenant-queue', at, provider: 'meta', senderId: 'meta-q', status: 'queued' },
    ]);
    const replay = await request(app)
      .post('/v1/messages')
      .set(auth)
      .set('Idempotency-Key', 'replay-key-0001')
      .send(send);
    expect(replay.status).not.toBe(429);
    await request(app)
      .post('/v1/messages')
      .set(auth)
      .set('Idempotency-Key', 'replay-key-0002')
      .send(send)
      .expect(429);
  });

  it('GET /v1/stats answers from a cache per tenant and query for STATS_CACHE_MS', async () => {
    const app = appWith({}, 60_000);
    const auth = await bearer('tenant-statcache');
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const seed = (id: string) =>
      seedStats(stack.db.conn, stack.deps.messages, [
        { id, tenantId: 'tenant-statcache', at, provider: 'meta', senderId: 'meta-s', status: 'delivered' },
      ]);
    await seed('c1');
    const total = async (query: Record<string, string> = {}) =>
      (await request(app).get('/v1/stats').query(query).set(auth).expect(200)).body.totals.total as number;
    expect(await total()).toBe(1);
    await seed('c2');
    expect(await total()).toBe(1); // the same query within the cache time: the cached answer
    expect(await total({ granularity: 'hour' })).toBe(2); // another query: computed now
    expect(await total({ granularity: 'hour' })).toBe(2);
  });

  it('the OpenAPI document lists the 429 on /v1 and the caps as 422 quota_exceeded', async () => {
    const doc = (await request(appWith({})).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    expect(doc.paths['/v1/stats']?.get?.responses['429']?.description).toMatch(/rate_limited/);
    expect(doc.paths['/v1/sessions']?.post?.responses['422']?.description).toMatch(
      /quota_exceeded: the tenant is at TENANT_MAX_SESSIONS/,
    );
    expect(doc.paths['/v1/senders']?.post?.responses['422']?.description).toMatch(/TENANT_MAX_SENDERS/);
  });

  it('the diagnostics ping takes no hold from the caller', () => {
    expect(pingQuery.parse({ holdMs: '10000' })).toEqual({ timeoutMs: 10_000 });
  });
});
