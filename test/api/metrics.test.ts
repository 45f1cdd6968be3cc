import { createHmac } from 'node:crypto';
import request from 'supertest';
import { Registry } from 'prom-client';
import {
  createSessionRepository,
  type SessionRepository,
} from '../../src/db/repositories/session.repository';
import type { SessionStatus } from '../../src/domain/session-status';
import { createMetrics, type Metrics } from '../../src/observability/metrics';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-http';
import { loadConfig } from '../../src/config/env';
import { useStack } from '../fixtures/stack';
import { APP_SECRET, messagingFeature } from '../helpers/messaging';
import { sample } from '../helpers/prometheus';
import { FAST_TIMING, testSecretBox } from '../helpers/sessions';

const TOKEN = 'metrics-token-0123456789abcdef';
const GATEWAY_SECRET = 'gateway-secret-0123456789';

describe('GET /metrics on the API (real MongoDB and Temporal)', () => {
  const stack = useStack({ queue: 'metrics', worker: false });
  let sessions: SessionRepository;

  /** The app as server.ts wires it, over its own registry; `cacheMs` 0 so each scrape reads MongoDB. */
  const appWith = (metrics: Metrics, access: { token?: string; public?: boolean }) =>
    stack.app({
      metrics,
      metricsToken: access.token,
      metricsPublic: access.public,
      messaging: messagingFeature(stack.deps),
      sessions: {
        repository: sessions,
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: GATEWAY_SECRET,
      },
    });
  const metricsOver = (cacheMs = 0) =>
    createMetrics(new Registry(), {
      sessionsByStatus: () => sessions.countByStatus(),
      officialSenders: async () =>
        (await stack.deps.senders.listAllIds()).map((s) => ({ ...s, valid: null })),
      cacheMs,
    });

  let version = 1;
  const writeSession = (tenantId: string, sessionId: string, status: SessionStatus) =>
    sessions.recordState({
      tenantId,
      sessionId,
      name: null,
      gatewayKind: 'seed',
      status,
      qr: null,
      connectedAt: null,
      lastActivityAt: null,
      error: null,
      attempt: 1,
      sessionData: null,
      version: version++,
    });

  beforeAll(() => {
    sessions = createSessionRepository(stack.db.conn, testSecretBox());
  });

  it('without METRICS_TOKEN: 404 by default, served only when METRICS_PUBLIC=true says so (issue 15)', async () => {
    const closed = await request(appWith(metricsOver(), {})).get('/metrics').expect(404);
    expect(closed.body.error.code).toBe('metrics_closed');
    expect(closed.text).not.toContain('whatsapp_');
    await request(appWith(metricsOver(), { public: false }))
      .get('/metrics')
      .expect(404);
  });

  it('serves the Prometheus text format (METRICS_PUBLIC=true)', async () => {
    const res = await request(appWith(metricsOver(), { public: true }))
      .get('/metrics')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE whatsapp_webhook_requests_total counter');
    expect(res.text).toContain('# TYPE whatsapp_send_duration_seconds histogram');
    expect(res.text).toContain('# TYPE whatsapp_sessions gauge');
    // prom-client's process defaults.
    expect(sample(res.text, 'process_cpu_user_seconds_total')).not.toBeNull();
    expect(sample(res.text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('with METRICS_TOKEN: 401 without or with a wrong bearer token, 200 with the right one', async () => {
    // METRICS_PUBLIC does not open a listener that has a token.
    const app = appWith(metricsOver(), { token: TOKEN, public: true });
    const none = await request(app).get('/metrics').expect(401);
    expect(none.body.error.code).toBe('invalid_metrics_token');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(app).get('/metrics').set('Authorization', TOKEN).expect(401);
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(ok.text).toContain('whatsapp_sessions');
    // The API key routes are unaffected by the metrics token.
    await request(app).get('/v1/sessions').set('Authorization', `Bearer ${TOKEN}`).expect(401);
  });

  it('counts webhook requests by provider and outcome', async () => {
    const metrics = metricsOver();
    const app = appWith(metrics, { token: TOKEN });
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const meta = (signature: string) =>
      request(app)
        .post('/webhooks/meta')
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', signature)
        .send(body);
    await meta('sha256=' + 'ab'.repeat(32)).expect(401);
    await meta('sha256=' + createHmac('sha256', APP_SECRET).update(body).digest('hex')).expect(200);
    const gateway = (secret: string, payload: object) =>
      request(app).post('/webhooks/gateway').set('X-Webhook-Secret', secret).send(payload);
    await gateway('wrong-secret-0123456789', { event: 'session-status', sessionId: 'x' }).expect(401);
    await gateway(GATEWAY_SECRET, { event: '' }).expect(400);
    await gateway(GATEWAY_SECRET, {
      event: 'session-status',
      sessionId: 'nobody',
      data: { status: 'CONNECTED' },
    }).expect(404);

    const text = (await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200))
      .text;
    const count = (provider: string, outcome: string) =>
      sample(text, 'whatsapp_webhook_requests_total', { provider, outcome });
    expect(count('meta', 'rejected_signature')).toBe(1);
    expect(count('meta', 'accepted')).toBe(1);
    expect(count('gateway', 'rejected_signature')).toBe(1);
    expect(count('gateway', 'invalid')).toBe(1);
    expect(count('gateway', 'unknown')).toBe(1);
    expect(count('meta', 'error')).toBeNull();
  });

  it('sessions by status come from the database, across tenants; sender credentials are -1 (unchecked)', async () => {
    await writeSession('tenant-a', 's1', 'connected');
    await writeSession('tenant-a', 's2', 'connected');
    await writeSession('tenant-b', 's1', 'connected');
    await writeSession('tenant-b', 's2', 'generating_qr');
    await writeSession('tenant-c', 's1', 'disconnected');
    await stack.deps.senders.register('tenant-a', {
      senderId: 'meta-main',
      phoneNumberId: '106540352242922',
      wabaId: '102290129340398',
      displayPhoneNumber: '15550783881',
      accessToken: 'EAAG-secret-token-never-exposed',
    });
    const app = appWith(metricsOver(), { public: true });
    const text = (await request(app).get('/metrics').expect(200)).text;
    const sessionsIn = (status: string) => sample(text, 'whatsapp_sessions', { status });
    expect(sessionsIn('connected')).toBe(3);
    expect(sessionsIn('generating_qr')).toBe(1);
    expect(sessionsIn('disconnected')).toBe(1);
    expect(sessionsIn('pending')).toBe(0);
    expect(
      sample(text, 'whatsapp_sender_credential_valid', {
        tenant_id: 'tenant-a',
        sender_id: 'meta-main',
        provider: 'meta',
      }),
    ).toBe(-1);
    expect(text).not.toContain('EAAG-secret-token-never-exposed');

    // A write shows on the next scrape…
    await writeSession('tenant-b', 's2', 'connected');
    const next = (await request(app).get('/metrics').expect(200)).text;
    expect(sample(next, 'whatsapp_sessions', { status: 'connected' })).toBe(4);
    expect(sample(next, 'whatsapp_sessions', { status: 'generating_qr' })).toBe(0);
  });

  it('caches the database read between scrapes', async () => {
    const app = appWith(metricsOver(60_000), { public: true });
    const before = (await request(app).get('/metrics').expect(200)).text;
    const connected = sample(before, 'whatsapp_sessions', { status: 'connected' }) as number;
    expect(connected).toBeGreaterThan(0);
    await writeSession('tenant-d', 's1', 'connected');
    const after = (await request(app).get('/metrics').expect(200)).text;
    expect(sample(after, 'whatsapp_sessions', { status: 'connected' })).toBe(connected);
    expect(await sessions.countByStatus()).toMatchObject({ connected: connected + 1 });
  });
});

describe("the worker's metrics listener (issue 15)", () => {
  const scrape = async (port: number, authorization?: string) =>
    fetch(`http://127.0.0.1:${port}/metrics`, { headers: authorization ? { authorization } : {} });

  it('open without a token on loopback; on any other interface 404 unless METRICS_TOKEN or METRICS_PUBLIC', async () => {
    const registry = new Registry();
    const started: MetricsServer[] = [];
    const listen = async (host: string, token: string | undefined, isPublic: boolean) => {
      const server = await startMetricsServer({ registry, port: 0, host, token, public: isPublic });
      started.push(server);
      return server.port;
    };
    try {
      expect((await scrape(await listen('127.0.0.1', undefined, false))).status).toBe(200);
      const everywhere = await scrape(await listen('0.0.0.0', undefined, false));
      expect(everywhere.status).toBe(404);
      expect(((await everywhere.json()) as { error: { code: string } }).error.code).toBe('metrics_closed');
      expect((await scrape(await listen('0.0.0.0', undefined, true))).status).toBe(200);
      const withToken = await listen('0.0.0.0', TOKEN, false);
      expect((await scrape(withToken)).status).toBe(401);
      expect((await scrape(withToken, `Bearer ${TOKEN}`)).status).toBe(200);
    } finally {
      await Promise.all(started.map((s) => s.close()));
    }
  });

  it('binds 127.0.0.1 unless told otherwise', () => {
    const env = { ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
    expect(loadConfig(env)).toMatchObject({ WORKER_METRICS_HOST: '127.0.0.1', METRICS_PUBLIC: false });
  });
});
