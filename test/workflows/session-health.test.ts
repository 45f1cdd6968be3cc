import request from 'supertest';
import { createSessionHealthActivities } from '../../activities/session-health.activities';
import { createSessionActivities } from '../../activities/session.activities';
import { whatsappSessionModel } from '../../src/db/models/whatsapp-session.model';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import type { SessionHealthSummary } from '../../src/domain/session-health';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import type { SessionHealthInput } from '../../workflows/session-health.definitions';
import type { SessionView } from '../../workflows/session.definitions';
import { upsertSessionHealthSchedule } from '../../workers/schedules';
import { captureLogger } from '../helpers/logger';
import { MASTER_KEY, waitFor } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

/**
 * The session health sweep on the real stack. Session workflows run with slow own health polls
 * and a long QR expiry, and the simulator logs sessions out silently (no webhook): anything
 * noticed here was noticed by the sweep.
 */
describe('session health sweep (real Temporal + FerretDB, simulator as gateway)', () => {
  const log = captureLogger();
  let sweeps: ReturnType<typeof createSessionHealthRepository>;
  const keys: Record<string, string> = {};
  const INPUT: SessionHealthInput = {
    batchSize: 2, // several pages with a handful of sessions
    maxBatches: 50,
    qrExpiryMs: 600_000,
    batchTimeoutMs: 30_000,
    autoRestart: false,
    keepMs: 3_600_000,
  };
  let sweepNo = 0;

  afterAll(async () => {
    for (const [t, id] of [
      ['tenant-h', 'steady'],
      ['tenant-h', 'dropped'],
      ['tenant-h', 'revived'],
      ['tenant-h', 'stuck'],
      ['tenant-o', 'theirs'],
    ] as const) {
      await stack.temporal.client.workflow
        .getHandle(`session:${t}:${id}`)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
  });
  const stack = useSessions({
    queue: 'health',
    tenants: ['tenant-h', 'tenant-o'],
    logger: log.logger,
    timing: { connectedPollMs: 600_000, qrExpiryMs: 600_000 },
    appOverrides: (base) => ({ sessionHealth: { sweeps: createSessionHealthRepository(base.db.conn) } }),
    worker: (s) => {
      const gateways = createGatewayRegistry(
        { kind: 'seed', baseUrl: s.simUrl, masterKey: MASTER_KEY, timeoutMs: 1_000 },
        log.logger,
      );
      const deps = { sessions: s.repository, gateways, logger: log.logger };
      const health = createSessionHealthRepository(s.db.conn);
      return {
        ...createSessionActivities({ sessions: deps }),
        ...createSessionHealthActivities({
          health: { ...deps, health, temporal: s.temporal.client, restartWaitMs: 10_000 },
        }),
      };
    },
  });
  beforeAll(() => {
    sweeps = createSessionHealthRepository(stack.db.conn);
    for (const t of ['tenant-h', 'tenant-o']) keys[t] = stack.key(t);
  });

  const sweep = (over: Partial<SessionHealthInput> = {}): Promise<SessionHealthSummary> =>
    stack.temporal.client.workflow.execute('sessionHealthWorkflow', {
      workflowId: `sweep-test-${stack.taskQueue}-${++sweepNo}`,
      taskQueue: stack.taskQueue,
      args: [{ ...INPUT, ...over }],
    });
  const until = (t: string, id: string, ok: (v: SessionView) => boolean, what: string) =>
    waitFor(() => stack.query(t, id), ok, 20_000, what);
  const health = (t: string, query = '') =>
    request(stack.app).get(`/v1/health/sessions${query}`).set('Authorization', `Bearer ${keys[t]}`);

  async function connect(t: string, id: string): Promise<string> {
    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${keys[t]}`)
      .send({ sessionId: id })
      .expect(202);
    await until(t, id, (v) => v.status === 'generating_qr', `${id} QR`);
    const gw = stack.gwName(t, id);
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    await until(t, id, (v) => v.status === 'connected', `${id} connected`);
    await waitFor(
      () => whatsappSessionModel(stack.db.conn).findById(`${t}:${id}`).lean(),
      (d) => d?.status === 'connected',
      10_000,
      `${id} projection connected`,
    );
    return gw;
  }

  it('GET /v1/health/sessions: 401 without a key, 400 on bad input, 200 with nothing checked before the first sweep', async () => {
    await request(stack.app).get('/v1/health/sessions').expect(401);
    for (const q of ['?limit=0', '?limit=abc', '?outcome=bogus', '?unknown=1']) {
      const res = await health('tenant-h', q).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details[0]).toMatchObject({ field: expect.stringMatching(/^query/) });
    }
    // Not a missing resource: the sweep has not run yet. The same fields, nothing in them.
    const none = await health('tenant-h').expect(200);
    expect(none.body).toEqual({
      sweepId: null,
      startedAt: null,
      finishedAt: null,
      checked: 0,
      healthy: 0,
      drifted: 0,
      failed: 0,
      sessions: [],
      credentials: [],
    });
    expect((await health('tenant-h', '?outcome=drifted&limit=5').expect(200)).body.sweepId).toBeNull();
  });

  it('a session logged out behind our back (no webhook) is found by a sweep and recorded disconnected', async () => {
    await connect('tenant-h', 'steady');
    await connect('tenant-o', 'theirs');
    const gw = await connect('tenant-h', 'dropped');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/logout?silent=1`).expect(200);
    expect(
      stack.sim.state.events.filter((e) => e.sessionId === gw && e.event === 'session.logged_out'),
    ).toEqual([]);
    // The session workflow has not noticed on its own.
    expect((await stack.query('tenant-h', 'dropped')).status).toBe('connected');

    const summary = await sweep();
    expect(summary).toMatchObject({ checked: 3, healthy: 2, drifted: 1, failed: 0 });
    const v = await until('tenant-h', 'dropped', (x) => x.status === 'disconnected', 'recorded disconnected');
    expect(v.error?.code).toBe('gateway_logged_out');
    expect(stack.sim.state.sessions.has(gw)).toBe(false); // torn down on the gateway by its workflow

    const mine = await health('tenant-h').expect(200);
    expect(mine.body).toMatchObject({
      sweepId: summary.sweepId,
      checked: 2,
      healthy: 1,
      drifted: 1,
      failed: 0,
    });
    expect(mine.body.sessions).toEqual([
      expect.objectContaining({
        sessionId: 'dropped',
        outcome: 'drifted',
        recordedStatus: 'connected',
        gatewayStatus: 'DISCONNECTED',
        action: 'signalled',
        checkedAt: expect.any(String),
      }),
      expect.objectContaining({ sessionId: 'steady', outcome: 'healthy', gatewayStatus: 'CONNECTED' }),
    ]);
    expect(Date.parse(mine.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(mine.body.startedAt));
    const drifted = await health('tenant-h', '?outcome=drifted').expect(200);
    expect(drifted.body.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['dropped']);

    // Another tenant's key sees its own session only.
    const theirs = await health('tenant-o').expect(200);
    expect(theirs.body).toMatchObject({ sweepId: summary.sweepId, checked: 1, healthy: 1, drifted: 0 });
    expect(theirs.body.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['theirs']);
    expect(JSON.stringify(theirs.body)).not.toContain('dropped');
  });

  it('with auto-restart, a dropped session is recorded disconnected, then restarted for a new QR', async () => {
    const gw = await connect('tenant-h', 'revived');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/logout?silent=1`).expect(200);
    const summary = await sweep({ autoRestart: true });
    expect(summary).toMatchObject({ drifted: 1 });
    const v = await until(
      'tenant-h',
      'revived',
      (x) => x.attempt === 2 && x.status === 'generating_qr',
      'new QR',
    );
    expect(v.qr).toBeTruthy();
    const res = await health('tenant-h', '?outcome=drifted').expect(200);
    expect(res.body.sessions).toEqual([
      expect.objectContaining({ sessionId: 'revived', action: 'restarted' }),
    ]);
    await stack.temporal.client.workflow.getHandle('session:tenant-h:revived').executeUpdate('delete');
  });

  it('a session stuck waiting for its QR scan longer than the expiry is closed', async () => {
    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${keys['tenant-h']}`)
      .send({ sessionId: 'stuck' })
      .expect(202);
    await until('tenant-h', 'stuck', (v) => v.status === 'generating_qr', 'QR');
    // Untouched for longer than the sweep's expiry (the workflow's own is 10 minutes).
    await waitFor(
      () => whatsappSessionModel(stack.db.conn).findById('tenant-h:stuck').lean(),
      (d) => d?.status === 'generating_qr' && Date.now() - d.updatedAt.getTime() > 500,
      10_000,
      'stuck projection',
    );
    const summary = await sweep({ qrExpiryMs: 500 });
    expect(summary.drifted).toBe(1);
    const v = await until('tenant-h', 'stuck', (x) => x.status === 'disconnected', 'closed');
    expect(v.qr).toBeNull();
    expect(stack.sim.state.sessions.has(stack.gwName('tenant-h', 'stuck'))).toBe(false);
    const res = await health('tenant-h', '?outcome=qr_expired').expect(200);
    expect(res.body.sessions).toEqual([
      expect.objectContaining({ sessionId: 'stuck', recordedStatus: 'generating_qr', action: 'closed' }),
    ]);
  });

  it('gateway down: every check fails, the sweep still completes and is stored', async () => {
    await stack.sim.refuse();
    let summary: SessionHealthSummary;
    try {
      summary = await sweep();
    } finally {
      await stack.sim.accept();
    }
    expect(summary).toMatchObject({ checked: 2, healthy: 0, drifted: 0, failed: 2 });
    const res = await health('tenant-h').expect(200);
    expect(res.body).toMatchObject({ sweepId: summary.sweepId, failed: 1 });
    expect(res.body.sessions).toEqual([
      expect.objectContaining({
        sessionId: 'steady',
        outcome: 'failed',
        error: expect.stringContaining('ECONNREFUSED'),
      }),
    ]);
    // The session itself is untouched: a failed check is not a drift.
    expect((await stack.query('tenant-h', 'steady')).status).toBe('connected');
  });

  it('a dropped session whose workflow is gone: the sweep corrects the projection itself', async () => {
    const gw = await connect('tenant-h', 'orphan');
    await stack.temporal.client.workflow.getHandle('session:tenant-h:orphan').terminate('lost for the test');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/logout?silent=1`).expect(200);
    const summary = await sweep();
    expect(summary).toMatchObject({ checked: 3, healthy: 2, drifted: 1, failed: 0 });
    const doc = await whatsappSessionModel(stack.db.conn).findById('tenant-h:orphan').lean();
    expect(doc).toMatchObject({ status: 'disconnected', error: { code: 'gateway_logged_out' } });
    const res = await health('tenant-h', '?outcome=drifted').expect(200);
    expect(res.body.sessions).toEqual([
      expect.objectContaining({ sessionId: 'orphan', gatewayStatus: 'DISCONNECTED', action: 'recorded' }),
    ]);
  });

  it('the schedule upsert is idempotent: one schedule, its interval updated; a triggered run sweeps', async () => {
    const scheduleId = `session-health-test-${stack.taskQueue}`;
    try {
      const first = await upsertSessionHealthSchedule(stack.temporal.client, {
        taskQueue: stack.taskQueue,
        intervalMs: 3_600_000,
        input: INPUT,
        scheduleId,
      });
      const second = await upsertSessionHealthSchedule(stack.temporal.client, {
        taskQueue: stack.taskQueue,
        intervalMs: 7_200_000,
        input: INPUT,
        scheduleId,
      });
      expect([first, second]).toEqual(['created', 'updated']);
      const handle = stack.temporal.client.schedule.getHandle(scheduleId);
      const d = await handle.describe();
      expect(d.spec.intervals).toEqual([{ every: 7_200_000 }]);
      expect(d.policies.overlap).toBe('SKIP');
      expect(d.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'sessionHealthWorkflow',
        taskQueue: stack.taskQueue,
      });
      await waitFor(
        async () => {
          let n = 0;
          for await (const s of stack.temporal.client.schedule.list())
            if (s.scheduleId === scheduleId) n += 1;
          return n;
        },
        (n) => n === 1,
        10_000,
        'the schedule listed once',
      );

      await handle.trigger();
      const latest = await waitFor(
        () => sweeps.latestForTenant('tenant-h', { limit: 10 }),
        (v) => !!v.sweepId?.startsWith(scheduleId),
        20_000,
        'a scheduled sweep stored',
      );
      expect(latest?.healthy).toBe(1);
    } finally {
      await stack.temporal.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
    }
  });
});
