import { Registry } from 'prom-client';
import request from 'supertest';
import { createMetrics } from '../../src/observability/metrics';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-http';
import { startWorkerMetrics } from '../../workers/metrics';
import { captureLogger } from '../helpers/logger';
import { eventually } from '../helpers/messaging';
import { sample } from '../helpers/prometheus';
import { createActivities } from '../../activities';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { testSecretBox } from '../helpers/sessions';
import { useStack } from '../fixtures/stack';

const PHONE_ID = '106540352242922';
const ACCESS_TOKEN = 'EAAG-metrics-token-0123456789';
const METRICS_TOKEN = 'worker-metrics-token-0123456789';
// A tenant of its own: message workflow ids (tenant + id) share the dev server with every other file.
const TENANT = 'tenant-metrics';

describe('worker metrics: a message through a real worker and the Meta fake is counted and timed', () => {
  let server: MetricsServer;
  const metrics = createMetrics(new Registry());
  const log = captureLogger();
  const stack = useStack({
    queue: 'metrics',
    fakes: { meta: { tokens: { [PHONE_ID]: ACCESS_TOKEN } } },
    messaging: { metrics },
    // The API counts into the same registry (in a deployment, Prometheus sums the two processes):
    // a read after a run that ended at delivered (no status callback) is written, and counted, there.
    api: { webhooks: { metrics } },
    logger: log.logger,
    tenants: [TENANT],
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-main',
          phoneNumberId: PHONE_ID,
          wabaId: '102290129340398',
          displayPhoneNumber: '15550783881',
          accessToken: ACCESS_TOKEN,
        },
      ],
    },
  });
  beforeAll(async () => {
    const started = await startWorkerMetrics(
      metrics.registry,
      { WORKER_METRICS_PORT: 0, WORKER_METRICS_HOST: '127.0.0.1', METRICS_TOKEN, METRICS_PUBLIC: false },
      log.logger,
    );
    expect(started).toBeNull(); // port 0 means off
    // The listener startWorkerMetrics starts, on an ephemeral port (for it, 0 means off).
    server = await startMetricsServer({
      registry: metrics.registry,
      port: 0,
      host: '127.0.0.1',
      token: METRICS_TOKEN,
      public: false,
    });
  });
  afterAll(() => server.close());

  /** Scrapes the worker's own listener, as Prometheus would. */
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };
  const read = (text: string) => ({
    transitions: (status: string) =>
      sample(text, 'whatsapp_message_status_transitions_total', { status, provider: 'meta' }) ?? 0,
    attempts: (outcome: string) =>
      sample(text, 'whatsapp_send_attempts_total', { provider: 'meta', outcome }) ?? 0,
    latencyCount: () => sample(text, 'whatsapp_send_duration_seconds_count', { provider: 'meta' }) ?? 0,
    latencySum: () => sample(text, 'whatsapp_send_duration_seconds_sum', { provider: 'meta' }) ?? 0,
  });
  const send = async (body: string) =>
    (
      await request(stack.api.app)
        .post('/v1/messages')
        .set(stack.auth(TENANT))
        .send({ from: 'meta-main', to: '+1 650 555 1234', type: 'text', text: { body } })
        .expect(202)
    ).body.id as string;
  const statusOf = async (id: string) => (await stack.deps.messages.get(TENANT, id))?.status;

  it('the worker listener wants the token, and a taken port leaves the worker running without it', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    const second = await startWorkerMetrics(
      metrics.registry,
      {
        WORKER_METRICS_PORT: server.port,
        WORKER_METRICS_HOST: '127.0.0.1',
        METRICS_TOKEN,
        METRICS_PUBLIC: false,
      },
      log.logger,
    );
    expect(second).toBeNull();
    expect(log.lines().some((l) => l.includes('worker metrics could not listen'))).toBe(true);
  });

  it('a sent, delivered and read message: one ok attempt, one latency observation, one transition per status', async () => {
    const before = read(await scrape());
    // delivered, then read once delivered is stored: statuses emitted together may arrive reordered
    // (read first), and then delivered is rightly never a transition.
    stack.fakes.meta.opts.autoStatuses = ['sent', 'delivered'];
    const id = await send('counted');
    await eventually(async () => (await statusOf(id)) === 'delivered', 'delivered');
    const wamid = stack.fakes.meta.sendsFor(id)[0]?.wamid as string;
    expect(
      await stack.fakes.meta.emitStatuses([{ wamid, status: 'read', callbackData: `${TENANT}:${id}` }]),
    ).toBe(200);
    await eventually(async () => (await statusOf(id)) === 'read', 'read');
    const after = read(
      await eventually(async () => {
        const text = await scrape();
        return read(text).transitions('read') > before.transitions('read') ? text : null;
      }, 'read transition counted'),
    );
    for (const status of ['queued', 'sent', 'delivered', 'read'])
      expect(after.transitions(status) - before.transitions(status)).toBe(1);
    expect(after.attempts('ok') - before.attempts('ok')).toBe(1);
    expect(after.latencyCount() - before.latencyCount()).toBe(1);
    expect(after.latencySum()).toBeGreaterThan(before.latencySum());
    expect(stack.fakes.meta.sendsFor(id)).toHaveLength(1);
  });

  it('a transient error then success, and an invalid request: outcomes by kind, the failure counted once', async () => {
    stack.fakes.meta.opts.autoStatuses = undefined;
    const before = read(await scrape());
    stack.fakes.meta.failNext({ httpStatus: 500, code: 2, message: 'Service temporarily unavailable' });
    const retried = await send('retried');
    await eventually(async () => (await statusOf(retried)) === 'sent', 'sent after a retry');
    stack.fakes.meta.failNext({ httpStatus: 400, code: 100, message: 'Invalid parameter' });
    const invalid = await send('invalid');
    await eventually(async () => (await statusOf(invalid)) === 'failed', 'failed');
    const after = read(
      await eventually(async () => {
        const text = await scrape();
        return read(text).transitions('failed') > before.transitions('failed') ? text : null;
      }, 'failed transition counted'),
    );
    expect(after.attempts('transient') - before.attempts('transient')).toBe(1);
    expect(after.attempts('invalid_request') - before.attempts('invalid_request')).toBe(1);
    expect(after.attempts('ok') - before.attempts('ok')).toBe(1);
    expect(after.latencyCount() - before.latencyCount()).toBe(3);
    expect(after.transitions('queued') - before.transitions('queued')).toBe(2);
    expect(after.transitions('sent') - before.transitions('sent')).toBe(1);
    expect(after.transitions('failed') - before.transitions('failed')).toBe(1);
  });

  it('session health sweep results are counted by outcome once stored', async () => {
    const sessions = createSessionRepository(stack.db.conn, testSecretBox());
    // Nothing listens here: the check of a connected session fails (a failed check, not a failed batch).
    const gateways = createGatewayRegistry(
      { kind: 'seed', baseUrl: 'http://127.0.0.1:1', masterKey: 'k', timeoutMs: 500 },
      log.logger,
    );
    const activities = createActivities({
      pings: createDiagnosticPingRepository(stack.db.conn),
      health: {
        health: createSessionHealthRepository(stack.db.conn),
        sessions,
        gateways,
        temporal: stack.temporal.client,
        logger: log.logger,
      },
      metrics,
    });
    await sessions.ensure({ tenantId: 'tenant-h', sessionId: 'up', name: null, gatewayKind: 'seed' });
    const write = (sessionId: string, status: 'connected' | 'pending') =>
      sessions.recordState({
        tenantId: 'tenant-h',
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
        version: Date.now(),
      });
    await write('up', 'connected');
    await write('stuck', 'pending');
    const before = await scrape();
    const counts = await activities.checkSessionHealthBatch({
      sweepId: 'sweep-metrics-1',
      startedAt: new Date().toISOString(),
      autoRestart: false,
      items: [
        { key: 'tenant-h:up', tenantId: 'tenant-h', sessionId: 'up', status: 'connected' },
        { key: 'tenant-h:stuck', tenantId: 'tenant-h', sessionId: 'stuck', status: 'pending' },
      ],
    });
    expect(counts).toEqual({ checked: 2, healthy: 0, drifted: 1, failed: 1 });
    const after = await scrape();
    const delta = (outcome: string) =>
      (sample(after, 'whatsapp_session_health_checks_total', { outcome }) ?? 0) -
      (sample(before, 'whatsapp_session_health_checks_total', { outcome }) ?? 0);
    expect(delta('failed')).toBe(1);
    expect(delta('qr_expired')).toBe(1);
    expect(delta('healthy')).toBe(0);
  });
});
