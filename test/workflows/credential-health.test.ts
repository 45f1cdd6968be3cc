import request from 'supertest';
import { Registry } from 'prom-client';
import { createMetaCredentialCheck } from '../../activities/credential-health.check';
import { createSessionHealthActivities } from '../../activities/session-health.activities';
import { sessionHealthSweepModel } from '../../src/db/models/session-health-sweep.model';
import { createSenderRepository } from '../../src/db/repositories/sender.repository';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import type { SessionHealthSummary } from '../../src/domain/session-health';
import { sendersWithValidity } from '../../src/observability/credential-validity';
import { createMetrics } from '../../src/observability/metrics';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { createMetaTokenInspector } from '../../src/providers/meta/meta-token.inspector';
import type { SessionHealthInput } from '../../workflows/session-health.definitions';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { captureLogger } from '../helpers/logger';
import { sample } from '../helpers/prometheus';
import { testSecretBox } from '../helpers/sessions';
import type { Express } from 'express';
import { useInfra } from '../fixtures/infra';

const DAY_S = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const TOKENS = {
  valid: 'EAAG-valid-token-0000000000000001',
  expiring: 'EAAG-expiring-token-000000000002',
  expired: 'EAAG-expired-token-0000000000003',
  revoked: 'EAAG-revoked-token-0000000000004',
  unknown: 'EAAG-never-issued-token-00000005',
  other: 'EAAG-other-tenant-token-00000006',
};
const METRICS_TOKEN = 'metrics-token-credential-health-0';
const INPUT: SessionHealthInput = {
  batchSize: 10,
  maxBatches: 5,
  qrExpiryMs: 600_000,
  batchTimeoutMs: 30_000,
  autoRestart: false,
  keepMs: 3_600_000,
};

/**
 * The health sweep's official-credential check on the real stack: senders registered with sealed
 * tokens, Meta `debug_token` answered by the loopback fake, the sweep run as a workflow.
 */
describe('credential health (real Temporal + FerretDB, Meta Graph fake)', () => {
  const log = captureLogger();
  const infra = useInfra({
    queue: 'cred-health',
    tenants: ['tenant-cred-a', 'tenant-cred-b'],
    logger: log.logger,
  });
  let meta: MetaGraphFake;
  let app: Express;
  let senders: ReturnType<typeof createSenderRepository>;
  const keys: Record<string, string> = {};
  let sweepNo = 0;

  beforeAll(async () => {
    meta = await new MetaGraphFake({ tokens: {} }).start();
    meta.setTokenInfo(TOKENS.valid, { isValid: true, expiresAt: 0 });
    meta.setTokenInfo(TOKENS.expiring, { isValid: true, expiresAt: now() + 3 * DAY_S });
    meta.setTokenInfo(TOKENS.expired, { isValid: true, expiresAt: now() - 3600, type: 'USER' });
    meta.setTokenInfo(TOKENS.revoked, { isValid: false, expiresAt: now() + 30 * DAY_S });
    meta.setTokenInfo(TOKENS.other, { isValid: true, expiresAt: now() + 60 * DAY_S });

    const box = testSecretBox();
    senders = createSenderRepository(infra.db.conn, box);
    const sweeps = createSessionHealthRepository(infra.db.conn);
    let n = 100;
    const register = (tenant: string, senderId: string, token: string) =>
      senders.register(tenant, {
        senderId,
        phoneNumberId: String(++n),
        wabaId: '102290129340398',
        displayPhoneNumber: '+1 555 0100',
        accessToken: token,
      });
    for (const k of ['valid', 'expiring', 'expired', 'revoked', 'unknown'] as const)
      await register('tenant-cred-a', `s-${k}`, TOKENS[k]);
    await register('tenant-cred-b', 's-theirs', TOKENS.other);
    for (const t of ['tenant-cred-a', 'tenant-cred-b']) keys[t] = infra.key(t);

    // Self-authorized: no app credentials, each token authorizes its own debug_token call.
    const inspector = createMetaTokenInspector({
      baseUrl: meta.baseUrl,
      apiVersion: 'v23.0',
      timeoutMs: 2_000,
    });
    await infra.runWorker({
      ...createSessionHealthActivities({
        health: {
          health: sweeps,
          sessions: createSessionRepository(infra.db.conn, box),
          // No sessions in this database: the gateway is never asked.
          gateways: createGatewayRegistry(
            { kind: 'seed', baseUrl: 'http://127.0.0.1:9', masterKey: 'unused', timeoutMs: 500 },
            log.logger,
          ),
          temporal: infra.temporal.client,
          logger: log.logger,
          credentialChecks: [createMetaCredentialCheck({ senders, inspector, logger: log.logger })],
        },
      }),
    });
    app = infra.app({
      sessionHealth: { sweeps },
      metricsToken: METRICS_TOKEN,
      metrics: createMetrics(new Registry(), {
        officialSenders: () => sendersWithValidity(senders, sweeps),
        cacheMs: 0,
        defaultMetrics: false,
      }),
    });
  });
  // After the worker (declared after the fixture, so it runs once the fixture is down).
  afterAll(() => meta.stop());

  const sweep = (): Promise<SessionHealthSummary> =>
    infra.temporal.client.workflow.execute('sessionHealthWorkflow', {
      workflowId: `cred-sweep-${infra.taskQueue}-${++sweepNo}`,
      taskQueue: infra.taskQueue,
      args: [INPUT],
    });
  const health = (t: string) =>
    request(app).get('/v1/health/sessions').set('Authorization', `Bearer ${keys[t]}`).expect(200);
  const gauge = async () => {
    const text = (
      await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)
    ).text;
    return (tenant: string, sender: string) =>
      sample(text, 'whatsapp_sender_credential_valid', {
        tenant_id: tenant,
        sender_id: sender,
        provider: 'meta',
      });
  };
  const statuses = (body: { credentials: Array<{ senderId: string; status: string }> }) =>
    Object.fromEntries(body.credentials.map((c) => [c.senderId, c.status]));

  it('before any sweep the gauge is -1 (unknown) for every official sender', async () => {
    const g = await gauge();
    expect(g('tenant-cred-a', 's-valid')).toBe(-1);
    expect(g('tenant-cred-b', 's-theirs')).toBe(-1);
  });

  it('flags expired, invalid and expiring-within-7-days tokens; each tenant sees only its own', async () => {
    const summary = await sweep();
    expect(summary).toMatchObject({ checked: 6, healthy: 2, drifted: 4, failed: 0 });

    const a = (await health('tenant-cred-a')).body;
    expect(statuses(a)).toEqual({
      's-valid': 'valid',
      's-expiring': 'expiring',
      's-expired': 'expired',
      's-revoked': 'invalid',
      's-unknown': 'invalid',
    });
    const expiring = a.credentials.find((c: { senderId: string }) => c.senderId === 's-expiring');
    const inDays = (Date.parse(expiring.expiresAt) - Date.now()) / (DAY_S * 1000);
    expect(inDays).toBeGreaterThan(2.9);
    expect(inDays).toBeLessThan(3.1);
    expect(a.credentials.find((c: { senderId: string }) => c.senderId === 's-valid').expiresAt).toBeNull();
    const b = (await health('tenant-cred-b')).body;
    expect(statuses(b)).toEqual({ 's-theirs': 'valid' });

    // The token is in Meta's query string only: not in the API's answer, the store or the logs.
    const stored = JSON.stringify(await sessionHealthSweepModel(infra.db.conn).find({}).lean());
    for (const token of Object.values(TOKENS)) {
      expect(JSON.stringify(a)).not.toContain(token);
      expect(stored).not.toContain(token);
      expect(JSON.stringify(log.lines())).not.toContain(token);
    }
    const asked = meta.requests.filter((r) => r.path === '/v23.0/debug_token');
    expect(asked.length).toBeGreaterThanOrEqual(6);

    const g = await gauge();
    expect(g('tenant-cred-a', 's-valid')).toBe(1);
    expect(g('tenant-cred-a', 's-expiring')).toBe(1);
    expect(g('tenant-cred-a', 's-expired')).toBe(0);
    expect(g('tenant-cred-a', 's-revoked')).toBe(0);
    expect(g('tenant-cred-a', 's-unknown')).toBe(0);
    expect(g('tenant-cred-b', 's-theirs')).toBe(1);
  });

  it('Meta down: every credential check fails, the sweep completes and the gauge goes back to unknown', async () => {
    meta.down();
    try {
      const summary = await sweep();
      expect(summary).toMatchObject({ checked: 6, healthy: 0, drifted: 0, failed: 6 });
    } finally {
      meta.up();
    }
    const a = (await health('tenant-cred-a')).body;
    expect(new Set(Object.values(statuses(a)))).toEqual(new Set(['failed']));
    expect(a.credentials[0].error).toMatch(/temporarily unavailable/);
    const g = await gauge();
    expect(g('tenant-cred-a', 's-valid')).toBe(-1);
    expect(g('tenant-cred-b', 's-theirs')).toBe(-1);
  });

  it('with app credentials, debug_token is authorized by `<app_id>|<app_secret>` and reads data.is_valid', async () => {
    meta.opts.appAccessToken = '1234567890|app-secret-for-tests';
    const check = createMetaCredentialCheck({
      senders,
      logger: log.logger,
      inspector: createMetaTokenInspector({
        baseUrl: meta.baseUrl,
        apiVersion: 'v23.0',
        timeoutMs: 2_000,
        appAccessToken: '1234567890|app-secret-for-tests',
      }),
    });
    const before = meta.requests.length;
    const out = await check.run(new Date());
    expect(Object.fromEntries(out.map((o) => [o.senderId, o.status]))).toEqual({
      's-valid': 'valid',
      's-expiring': 'expiring',
      's-expired': 'expired',
      's-revoked': 'invalid',
      's-unknown': 'invalid',
      's-theirs': 'valid',
    });
    for (const r of meta.requests.slice(before))
      expect(r.headers.authorization).toBe('Bearer 1234567890|app-secret-for-tests');
  });

  it('a wrong app secret is a failed check, not an invalid token', async () => {
    const check = createMetaCredentialCheck({
      senders,
      logger: log.logger,
      inspector: createMetaTokenInspector({
        baseUrl: meta.baseUrl,
        apiVersion: 'v23.0',
        timeoutMs: 2_000,
        appAccessToken: '1234567890|wrong-secret',
      }),
    });
    const out = await check.run(new Date());
    expect(new Set(out.map((o) => o.status))).toEqual(new Set(['failed']));
  });
});
