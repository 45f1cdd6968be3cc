import mongoose from 'mongoose';
import request from 'supertest';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { useInfra } from '../fixtures/infra';

describe('API basics over createApp (real MongoDB and Temporal)', () => {
  const log = captureLogger();
  const infra = useInfra({ queue: 'app', tenants: ['tenant-a'], logger: log.logger });
  let keyA: string;
  let revoked: string;
  let app: ReturnType<typeof buildTestApp>;

  beforeAll(async () => {
    keyA = infra.key('tenant-a');
    const keys = createApiKeyRepository(infra.db.conn);
    const r = await keys.create('tenant-a', 'to revoke');
    revoked = r.token;
    await keys.revoke(r.keyId);
    app = infra.app();
  });

  describe('probes', () => {
    it('GET /healthz answers without auth', async () => {
      const res = await request(app).get('/healthz').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /readyz is ready when Temporal and MongoDB answer', async () => {
      const res = await request(app).get('/readyz').expect(200);
      expect(res.body).toEqual({
        status: 'ready',
        checks: { temporal: { status: 'ok' }, database: { status: 'ok' } },
      });
    });

    it('GET /readyz is 503 naming the dependency that does not answer', async () => {
      const { connectTemporalClient } = await import('../../src/temporal/client');
      // A real client pointed at a port where no server listens.
      const dead = await connectTemporalClient({
        connection: { address: '127.0.0.1:1' },
        namespace: 'default',
        payloadCodec: undefined,
      }).catch((e: Error) => e);
      const readiness = {
        temporal: async () => {
          if (dead instanceof Error) throw dead;
        },
        database: async () => undefined,
      };
      const broken = buildTestApp({
        conn: infra.db.conn,
        temporal: infra.temporal.client,
        taskQueue: 'x',
        logger: log.logger,
        overrides: { readiness },
      });
      const res = await request(broken).get('/readyz').expect(503);
      expect(res.body.status).toBe('not_ready');
      expect(res.body.checks.temporal.status).toBe('error');
      expect(res.body.checks.database.status).toBe('ok');
    });

    it('GET /readyz with the database down names `database` without the error text (issue 15)', async () => {
      // A real connection to a port where nothing listens: its driver error names host and port.
      const down = mongoose.createConnection('mongodb://127.0.0.1:1/x', { serverSelectionTimeoutMS: 200 });
      down.on('error', () => undefined);
      const captured = captureLogger();
      try {
        const broken = buildTestApp({
          conn: down,
          temporal: infra.temporal.client,
          taskQueue: 'x',
          logger: captured.logger,
        });
        const res = await request(broken).get('/readyz').expect(503);
        expect(res.body).toEqual({
          status: 'not_ready',
          checks: { temporal: { status: 'ok' }, database: { status: 'error' } },
        });
        // The operator still gets the reason, in the log.
        expect(
          captured.lines().some((l) => l.includes('readiness check failed') && l.includes('database')),
        ).toBe(true);
      } finally {
        await down.close().catch(() => undefined);
      }
    });
  });

  describe('auth', () => {
    it('401 without Authorization', async () => {
      const res = await request(app).post('/v1/diagnostics/ping').expect(401);
      expect(res.body).toEqual({
        error: { code: 'unauthorized', message: expect.stringContaining('Bearer') },
      });
    });

    it('401 with a malformed, unknown or revoked key', async () => {
      for (const auth of ['Basic abc', 'Bearer nope', `Bearer ${keyA.slice(0, -1)}x`, `Bearer ${revoked}`]) {
        const res = await request(app)
          .get('/v1/diagnostics/pings/abc')
          .set('Authorization', auth)
          .expect(401);
        expect(res.body.error.code).toMatch(/^(unauthorized|invalid_api_key)$/);
      }
    });

    it('with API_READ_CACHE_MS, reuses a key record but still checks its secret; a revoke through it counts at once', async () => {
      const cachedKeys = createApiKeyRepository(infra.db.conn, { cacheMs: 600_000 });
      const elsewhere = createApiKeyRepository(infra.db.conn);
      const cachedApp = infra.app({ apiKeys: cachedKeys });
      const key = await elsewhere.create('tenant-a', 'cached');
      const ask = (token: string) =>
        request(cachedApp).get('/v1/diagnostics/pings/abc').set('Authorization', `Bearer ${token}`);
      expect((await ask(key.token)).status).toBe(404);
      // The record is kept: a wrong secret for the same key id is still refused.
      const wrong = `${key.token.slice(0, -1)}${key.token.endsWith('x') ? 'y' : 'x'}`;
      expect((await ask(wrong)).status).toBe(401);
      // Revoked by another process (the CLI): this API still has the record it read (the documented bound)…
      expect(await elsewhere.revoke(key.keyId)).toBe(true);
      expect((await ask(key.token)).status).toBe(404);
      // …and a revoke through its own repository drops it at once, even when the key was already revoked.
      expect(await cachedKeys.revoke(key.keyId)).toBe(false);
      const res = await ask(key.token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_api_key');
    });

    it('lets a valid key through (404 for an unknown ping, with the JSON error shape)', async () => {
      const res = await request(app)
        .get('/v1/diagnostics/pings/abc')
        .set('Authorization', `Bearer ${keyA}`)
        .expect(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'ping abc not found' } });
    });

    it('never logs the API key', async () => {
      await request(app).get('/v1/diagnostics/pings/abc').set('Authorization', `Bearer ${keyA}`);
      const secretPart = keyA.split('_').pop() as string;
      expect(log.lines().length).toBeGreaterThan(0);
      expect(log.lines().join('\n')).not.toContain(secretPart);
    });
  });

  describe('bad input is a 4xx with the JSON error shape, never a 5xx', () => {
    it('malformed JSON → 400 invalid_json', async () => {
      const res = await request(app)
        .post('/v1/diagnostics/ping')
        .set('Authorization', `Bearer ${keyA}`)
        .set('Content-Type', 'application/json')
        .send('{"a":')
        .expect(400);
      expect(res.body.error.code).toBe('invalid_json');
    });

    it('body over the limit → 413 payload_too_large', async () => {
      const res = await request(app)
        .post('/v1/diagnostics/ping')
        .set('Authorization', `Bearer ${keyA}`)
        .send({ big: 'x'.repeat(20_000) })
        .expect(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });

    it('unknown route → 404 route_not_found', async () => {
      const res = await request(app).get('/nope').expect(404);
      expect(res.body.error.code).toBe('route_not_found');
    });

    it('invalid params and query → 400 naming each field and rule', async () => {
      const res = await request(app)
        .get('/v1/diagnostics/pings/has space')
        .set('Authorization', `Bearer ${keyA}`)
        .expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toEqual([
        { field: 'params.pingId', rule: 'invalid_format', message: 'must match ^[a-zA-Z0-9_-]{1,50}$' },
      ]);
      const q = await request(app)
        .post('/v1/diagnostics/ping?timeoutMs=5')
        .set('Authorization', `Bearer ${keyA}`)
        .expect(400);
      expect(q.body.error.details[0]).toMatchObject({ field: 'query.timeoutMs', rule: 'too_small' });
    });

    it('echoes a safe X-Request-Id and mints one otherwise', async () => {
      const a = await request(app).get('/healthz').set('X-Request-Id', 'req-123');
      expect(a.headers['x-request-id']).toBe('req-123');
      const b = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
      expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
