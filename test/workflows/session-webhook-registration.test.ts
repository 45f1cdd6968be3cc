import request from 'supertest';
import { ApplicationFailure } from '@temporalio/common';
import { createSessionActivities } from '../../activities/session.activities';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { startRecordingGateway } from '../fakes/recording-gateway';
import { webhookTokenFor } from '../../src/providers/gateways/shared/webhook-target';
import type { SessionView } from '../../workflows/session.definitions';
import { captureLogger } from '../helpers/logger';
import { testSecretBox, waitFor, WEBHOOK_SECRET } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

/**
 * The simulator is given no webhook URL: the only way its events reach us is the URL the create
 * activity registered with `POST /api/v1/webhook`. Polling is slowed to a minute so a change seen
 * within the test can only have come through that webhook.
 */
describe('gateway webhook registered on session creation (seed contract, real stack)', () => {
  const log = captureLogger();
  const tenant = 'tenant-w';

  const stack = useSessions({
    queue: 'webhook-reg',
    logger: log.logger,
    simulator: { webhookUrl: undefined, webhookSecret: undefined, qrDelayMs: 300 },
    timing: { pollInitialMs: 60_000, pollMaxMs: 60_000, connectedPollMs: 60_000 },
    registerWebhook: true,
  });

  const until = (ok: (v: SessionView) => boolean, what: string) =>
    waitFor(() => stack.query(tenant, 'hooked'), ok, 15_000, what);

  it('create registers our URL; QR, connected and logout arrive only through it', async () => {
    const key = (await stack.keys.create(tenant)).token;
    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${key}`)
      .send({ sessionId: 'hooked' })
      .expect(202);
    const gw = stack.gwName(tenant, 'hooked');

    await until((v) => v.status === 'generating_qr' && !!v.qr, 'QR via webhook');
    const reg = stack.sim.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/webhook');
    expect(reg).toHaveLength(1);
    const token = stack.sim.state.sessions.get(gw)!.token;
    expect(reg[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(reg[0]!.body).toEqual({
      sessionId: gw,
      url: `${stack.appUrl}/webhooks/gateway?token=${webhookTokenFor(WEBHOOK_SECRET, gw)}`,
    });
    // Nothing polled the gateway's status list yet: the QR came by webhook.
    expect(
      stack.sim.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/sessions'),
    ).toHaveLength(0);

    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    await until((v) => v.status === 'connected', 'connected via webhook');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/logout`).expect(200);
    const v = await until((x) => x.status === 'disconnected', 'logout via webhook');
    expect(v.error?.code).toBe('gateway_logged_out');
    expect(
      stack.sim.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/sessions'),
    ).toHaveLength(0);

    const history = await stack.temporal.client.workflow.getHandle(`session:${tenant}:hooked`).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.length).toBeGreaterThanOrEqual(3);

    // The URL token never reaches our logs, the secret neither.
    const logs = log.lines().join('\n');
    expect(logs).toContain('/webhooks/gateway?token=[redacted]');
    expect(logs).not.toContain(webhookTokenFor(WEBHOOK_SECRET, gw));
    expect(logs).not.toContain(WEBHOOK_SECRET);
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:hooked`).executeUpdate('delete');
  });

  it('create activity: a refused registration is logged and the session goes on; a transient one is retried', async () => {
    const fake = await startRecordingGateway();
    try {
      const gateways = createGatewayRegistry(
        {
          kind: 'seed',
          baseUrl: fake.url,
          masterKey: 'm',
          timeoutMs: 2_000,
          webhook: { url: 'https://api.example.test/webhooks/gateway', secret: WEBHOOK_SECRET },
        },
        log.logger,
      );
      const acts = createSessionActivities({
        sessions: {
          sessions: createSessionRepository(stack.db.conn, testSecretBox()),
          gateways,
          logger: log.logger,
        },
      });
      const ref = { tenantId: 'tenant-x', sessionId: 'refused', name: null, gatewayKind: 'seed' as const };
      fake.on('POST', '/api/v1/sessions', { status: 201, body: { status: 'success', token: 'tok-x' } });
      fake.on('POST', '/api/v1/webhook', {
        status: 400,
        body: { status: 'error', message: 'URL must be HTTPS' },
      });
      await expect(acts.createGatewaySession(ref)).resolves.toEqual({ alreadyExisted: false });
      const reg = fake.requests.find((r) => r.path === '/api/v1/webhook');
      expect(reg?.headers.authorization).toBe('Bearer tok-x');
      expect(log.lines().some((l) => l.includes('gateway refused the webhook registration'))).toBe(true);

      fake.on('POST', '/api/v1/webhook', { status: 503, body: { status: 'error', message: 'busy' } });
      const err = await acts.createGatewaySession(ref).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe('ProviderTransient');
    } finally {
      await fake.close();
    }
  });

  it('a URL token is accepted for its own session only (401 otherwise, before any lookup)', async () => {
    const body = (sessionId: string) => ({
      event: 'session.update',
      sessionId,
      data: { status: 'CONNECTED' },
    });
    await request(stack.app)
      .post(`/webhooks/gateway?token=${webhookTokenFor(WEBHOOK_SECRET, 'other-session')}`)
      .send(body('some-session'))
      .expect(401);
    await request(stack.app).post('/webhooks/gateway?token=nonsense').send(body('some-session')).expect(401);
    await request(stack.app)
      .post(`/webhooks/gateway?token=${webhookTokenFor('not-our-secret-0123456789', 'some-session')}`)
      .send(body('some-session'))
      .expect(401);
    // The right token for a session we do not hold: authenticated, then 404 (starts nothing).
    await request(stack.app)
      .post(`/webhooks/gateway?token=${webhookTokenFor(WEBHOOK_SECRET, 'some-session')}`)
      .send(body('some-session'))
      .expect(404);
  });
});
