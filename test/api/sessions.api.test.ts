import request from 'supertest';
import { whatsappSessionModel } from '../../src/db/models/whatsapp-session.model';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { waitFor, WEBHOOK_SECRET } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

describe('sessions API and gateway webhook: validation, tenancy, state conflicts', () => {
  let keyA: string;
  let keyB: string;
  afterAll(async () => {
    for (const [t, id] of [
      ['tenant-a', 'shared'],
      ['tenant-b', 'shared'],
    ]) {
      await stack.temporal.client.workflow
        .getHandle(`session:${t}:${id}`)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
  });
  const log = captureLogger();
  const stack = useSessions({ queue: 'sessions-api', tenants: ['tenant-a', 'tenant-b'], logger: log.logger });

  beforeAll(async () => {
    keyA = stack.key('tenant-a');
    keyB = stack.key('tenant-b');
    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${keyA}`)
      .send({ sessionId: 'shared' })
      .expect(202);
    await waitFor(
      () => stack.query('tenant-a', 'shared'),
      (v) => v.status === 'generating_qr',
      20_000,
      'QR for tenant-a',
    );
  });

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const endpoints = (id: string): Array<[string, string]> => [
    ['get', `/v1/sessions/${id}`],
    ['get', `/v1/sessions/${id}/qr.png`],
    ['post', `/v1/sessions/${id}/disconnect`],
    ['post', `/v1/sessions/${id}/restart`],
    ['delete', `/v1/sessions/${id}`],
  ];
  const call = (method: string, path: string, key?: string) => {
    const r = (request(stack.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path);
    return key ? r.set(as(key)) : r;
  };

  it('every endpoint needs an API key (401)', async () => {
    await request(stack.app).post('/v1/sessions').send({ sessionId: 'x' }).expect(401);
    await request(stack.app).get('/v1/sessions').expect(401);
    for (const [m, p] of endpoints('shared')) await call(m, p).expect(401);
  });

  it('POST /v1/sessions: 400 with field errors for bad bodies', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{}, 'body.sessionId', 'invalid_type'],
      [{ sessionId: 'has space' }, 'body.sessionId', 'invalid_format'],
      [{ sessionId: 'x'.repeat(51) }, 'body.sessionId', 'invalid_format'],
      [{ sessionId: 'ok', name: '' }, 'body.name', 'too_small'],
      [{ sessionId: 'ok', name: 'n'.repeat(256) }, 'body.name', 'too_big'],
      [{ sessionId: 'ok', token: 'x' }, 'body', 'unrecognized_keys'],
      [{ sessionId: 42 }, 'body.sessionId', 'invalid_type'],
    ];
    for (const [body, field, rule] of cases) {
      const res = await request(stack.app)
        .post('/v1/sessions')
        .set(as(keyA))
        .send(body as object)
        .expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ field, rule }));
    }
    const notJson = await request(stack.app)
      .post('/v1/sessions')
      .set(as(keyA))
      .set('Content-Type', 'application/json')
      .send('{"sessionId":')
      .expect(400);
    expect(notJson.body.error.code).toBe('invalid_json');
  });

  it('GET /v1/sessions: 400 for bad query values; lists only the caller’s sessions, without QR images', async () => {
    for (const [q, field] of [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['cursor=bad%20cursor', 'query.cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
      ['after=p-a', 'query'],
      ['status=connected', 'query'],
    ]) {
      const res = await request(stack.app).get(`/v1/sessions?${q}`).set(as(keyA)).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect({ q, field: res.body.error.details[0].field }).toEqual({ q, field });
    }
    const a = await request(stack.app).get('/v1/sessions').set(as(keyA)).expect(200);
    expect(a.body.items.map((s: { sessionId: string }) => s.sessionId)).toEqual(['shared']);
    expect(a.body.items[0]).toMatchObject({ qr: null, hasQr: true, label: expect.any(String) });
    expect(a.body.nextCursor).toBeNull();
    const b = await request(stack.app).get('/v1/sessions').set(as(keyB)).expect(200);
    expect(b.body).toEqual({ items: [], nextCursor: null });
  });

  it('GET /v1/sessions pages newest first with a cursor, equal creation times ordered by id', async () => {
    const keyP = (await stack.keys.create('tenant-p')).token;
    for (const id of ['p-c', 'p-a', 'p-b', 'p-d']) {
      await stack.repository.ensure({ tenantId: 'tenant-p', sessionId: id, name: null, gatewayKind: 'seed' });
    }
    // Creation times as a test needs them: p-a newest, then p-b and p-c at the same instant, p-d oldest.
    const at = (s: string) => new Date(`2025-03-01T12:00:${s}Z`);
    const sessions = whatsappSessionModel(stack.db.conn);
    for (const [id, t] of [
      ['p-a', at('03')],
      ['p-b', at('02')],
      ['p-c', at('02')],
      ['p-d', at('01')],
    ] as const)
      await sessions.updateOne({ _id: `tenant-p:${id}` }, { $set: { createdAt: t } });
    const ids = (body: { items: { sessionId: string }[] }) => body.items.map((d) => d.sessionId);
    const first = await request(stack.app).get('/v1/sessions?limit=2').set(as(keyP)).expect(200);
    expect(ids(first.body)).toEqual(['p-a', 'p-c']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(stack.app)
      .get('/v1/sessions')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .set(as(keyP))
      .expect(200);
    expect(ids(second.body)).toEqual(['p-b', 'p-d']);
    expect(second.body.items[0]).toMatchObject({ status: 'creating' });
    // A full last page already says it is the last.
    expect(second.body.nextCursor).toBeNull();
    // Another tenant's key with this tenant's cursor: its own (empty) list, never these sessions.
    const other = await request(stack.app)
      .get('/v1/sessions')
      .query({ cursor: first.body.nextCursor })
      .set(as(keyB))
      .expect(200);
    expect(other.body).toEqual({ items: [], nextCursor: null });
  });

  it('session endpoints: 400 for a bad id, 404 for an unknown one', async () => {
    for (const [m, p] of endpoints('bad%20id')) {
      const res = await call(m, p, keyA).expect(400);
      expect(res.body.error.details[0]).toMatchObject({ field: 'params.sessionId', rule: 'invalid_format' });
    }
    for (const [m, p] of endpoints('x'.repeat(51))) await call(m, p, keyA).expect(400);
    for (const [m, p] of endpoints('nobody')) {
      const res = await call(m, p, keyA).expect(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it("another tenant's key sees nothing (404) and changes nothing; it may use the same id for its own session", async () => {
    for (const [m, p] of endpoints('shared')) await call(m, p, keyB).expect(404);
    expect((await stack.query('tenant-a', 'shared')).status).toBe('generating_qr');

    await request(stack.app).post('/v1/sessions').set(as(keyB)).send({ sessionId: 'shared' }).expect(202);
    await waitFor(
      () => stack.query('tenant-b', 'shared'),
      (v) => v.status === 'generating_qr',
      20_000,
      'QR for tenant-b',
    );
    const gwA = stack.gwName('tenant-a', 'shared');
    const gwB = stack.gwName('tenant-b', 'shared');
    expect(gwA).not.toBe(gwB);
    expect(stack.sim.state.sessions.has(gwA) && stack.sim.state.sessions.has(gwB)).toBe(true);
  });

  it('409 when the state forbids it: duplicate create, restart while active', async () => {
    const dup = await request(stack.app)
      .post('/v1/sessions')
      .set(as(keyA))
      .send({ sessionId: 'shared' })
      .expect(409);
    expect(dup.body.error.code).toBe('session_exists');
    const restart = await request(stack.app).post('/v1/sessions/shared/restart').set(as(keyA)).expect(409);
    expect(restart.body.error.code).toBe('session_state_conflict');
  });

  describe('POST /webhooks/gateway', () => {
    const hook = () => request(stack.app).post('/webhooks/gateway');
    const event = (sessionId: string) => ({
      event: 'session.update',
      sessionId,
      data: { status: 'GENERATING_QR', qr: 'Q' },
      timestamp: new Date().toISOString(),
    });

    it('401 without or with a wrong shared secret (and never logs it)', async () => {
      await hook()
        .send(event(stack.gwName('tenant-a', 'shared')))
        .expect(401);
      const res = await hook()
        .set('X-Webhook-Secret', `${WEBHOOK_SECRET}x`)
        .send(event(stack.gwName('tenant-a', 'shared')))
        .expect(401);
      expect(res.body.error.code).toBe('invalid_webhook_secret');
      expect(log.lines().join('\n')).not.toContain(WEBHOOK_SECRET);
    });

    it('400 for a malformed body', async () => {
      const empty = await hook().set('X-Webhook-Secret', WEBHOOK_SECRET).send({ event: '' }).expect(400);
      expect(empty.body.error.details.map((d: { field: string }) => d.field)).toEqual(['body.event']);
      const seed = await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send({ event: 'session.update', data: 'x' })
        .expect(400);
      expect(seed.body.error.details.map((d: { field: string }) => d.field)).toEqual(
        expect.arrayContaining(['body.sessionId', 'body.data']),
      );
      await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send({ event: 'qrcode.updated', instance: '' })
        .expect(400);
      await hook().set('X-Webhook-Secret', WEBHOOK_SECRET).send([1, 2]).expect(400);
    });

    it('404 for an unknown session, and nothing is started or recorded', async () => {
      const res = await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send(event('ghost-session'))
        .expect(404);
      expect(res.body.error.code).toBe('unknown_session');
      expect(await stack.repository.findByGatewaySessionId('ghost-session')).toBeNull();
    });

    it('200 for a known session; a non-session event is accepted and ignored', async () => {
      const gw = stack.gwName('tenant-a', 'shared');
      await hook().set('X-Webhook-Secret', WEBHOOK_SECRET).send(event(gw)).expect(200, { accepted: true });
      await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send({ event: 'message.received', sessionId: gw, data: {} })
        .expect(200, { accepted: false, reason: 'not a session event' });
    });

    it('WAHA and Evolution envelopes are understood too (an Evolution QR update reaches the workflow)', async () => {
      const gw = stack.gwName('tenant-a', 'shared');
      await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send({
          event: 'qrcode.updated',
          instance: gw,
          data: { qrcode: { instance: gw, code: 'EVO-QR', base64: 'data:x' } },
          date_time: new Date(Date.now() + 60_000).toISOString(),
          apikey: 'INSTANCE-TOKEN',
        })
        .expect(200, { accepted: true });
      await waitFor(
        () => stack.query('tenant-a', 'shared'),
        (v) => v.qr === 'EVO-QR',
        10_000,
        'Evolution QR applied',
      );
      expect(log.lines().join('\n')).not.toContain('INSTANCE-TOKEN');
      await hook()
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send({ event: 'session.status', session: 'ghost', payload: { status: 'WORKING' } })
        .expect(404);
    });

    it('503 when no shared secret is configured', async () => {
      const app = buildTestApp({
        conn: stack.db.conn,
        temporal: stack.temporal.client,
        taskQueue: 'unused',
        logger: log.logger,
        overrides: {
          sessions: {
            repository: stack.repository,
            gatewayKind: 'seed',
            timing: stack.timing,
            webhookSecret: undefined,
          },
        },
      });
      const res = await request(app)
        .post('/webhooks/gateway')
        .set('X-Webhook-Secret', 'anything-at-all-123')
        .send(event('x'))
        .expect(503);
      expect(res.body.error.code).toBe('webhook_not_configured');
    });
  });
});
