import request from 'supertest';
import type { temporal as proto } from '@temporalio/proto';
import { whatsappSessionModel } from '../../src/db/models/whatsapp-session.model';
import type { SessionState, SessionView, SessionWorkflowInput } from '../../workflows/session.definitions';
import { captureLogger } from '../helpers/logger';
import { startSessionStack, waitFor, FAST_TIMING, WEBHOOK_SECRET } from '../helpers/sessions';
import { openHistoryPayloads, uniqueTaskQueue } from '../helpers/temporal';
import { useSessions } from '../fixtures/sessions';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

/** First payload of a history event, when it is JSON (void results are binary/null). */
function decode(p: proto.api.common.v1.IPayloads | null | undefined): unknown {
  const payload = p?.payloads?.[0];
  const encoding = payload?.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : '';
  return encoding === 'json/plain' && payload?.data
    ? JSON.parse(Buffer.from(payload.data).toString('utf8'))
    : undefined;
}

/** Inputs of every scheduled activity of a type, in order. */
function scheduled(events: HistoryEvent[], type: string): unknown[] {
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
    .map((e) => decode(e.activityTaskScheduledEventAttributes?.input));
}

describe('session lifecycle workflow (real Temporal + FerretDB, simulator as gateway)', () => {
  const log = captureLogger();
  const tenant = 'tenant-s';
  const stack = useSessions({ queue: 'sessions', tenants: [tenant], logger: log.logger });
  let key: string;
  beforeAll(() => {
    key = stack.key(tenant);
  });

  const api = () => request(stack.app);
  const auth = () => ({ Authorization: `Bearer ${key}` });
  const view = (id: string) => stack.query(tenant, id);
  const until = (id: string, ok: (v: SessionView) => boolean, what: string, ms?: number) =>
    waitFor(() => view(id), ok, ms, what);
  const history = async (id: string) =>
    (
      await openHistoryPayloads(
        await stack.temporal.client.workflow.getHandle(`session:${tenant}:${id}`).fetchHistory(),
      )
    ).events ?? [];
  const start = (id: string, timing: Partial<SessionWorkflowInput['timing']> = {}) =>
    stack.temporal.client.workflow.start('sessionWorkflow', {
      workflowId: `session:${tenant}:${id}`,
      taskQueue: stack.taskQueue,
      args: [
        {
          tenantId: tenant,
          sessionId: id,
          name: null,
          gatewayKind: 'seed',
          timing: { ...FAST_TIMING, ...timing },
        },
      ],
    });

  it('full lifecycle through the API: create → QR → scan → connected → disconnect → restart → delete', async () => {
    const created = await api()
      .post('/v1/sessions')
      .set(auth())
      .send({ sessionId: 'life', name: 'Front desk' })
      .expect(202);
    expect(created.body).toMatchObject({
      sessionId: 'life',
      status: 'creating',
      label: 'Creating Session',
      color: 'info',
    });

    const qrView = await until('life', (v) => v.status === 'generating_qr' && !!v.qr, 'a QR');
    expect(qrView).toMatchObject({ label: 'Generating QR Code', isActive: true, canShowQrCode: true });
    const got = await api().get('/v1/sessions/life').set(auth()).expect(200);
    expect(got.body.qr).toMatch(/^data:image\/png;base64,/);
    const png = await api().get('/v1/sessions/life/qr.png').set(auth()).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');

    const gw = stack.gwName(tenant, 'life');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    const connected = await until('life', (v) => v.status === 'connected', 'connected');
    expect(connected).toMatchObject({ label: 'Connected', color: 'success', qr: null, canShowQrCode: false });
    expect(connected.connectedAt).not.toBeNull();
    await api().get('/v1/sessions/life/qr.png').set(auth()).expect(404);

    // The projection has the seed's fields; the token is sealed, never stored in clear.
    const doc = await waitFor(
      () => whatsappSessionModel(stack.db.conn).findById(`${tenant}:life`).lean(),
      (d) => d?.status === 'connected',
      10_000,
      'projection connected',
    );
    const token = stack.sim.state.sessions.get(gw)?.token as string;
    expect(doc).toMatchObject({
      tenantId: tenant,
      name: 'Front desk',
      gatewayKind: 'seed',
      gatewaySessionId: gw,
      qrCode: null,
    });
    expect(doc?.connectedAt).toBeInstanceOf(Date);
    expect(doc?.tokenSealed).toMatch(/^v1:k1:/);
    expect(JSON.stringify(doc)).not.toContain(token);
    expect(JSON.stringify(await history('life'))).not.toContain(token);
    expect(JSON.stringify(got.body)).not.toContain(token);
    expect(log.lines().length).toBeGreaterThan(0);
    expect(log.lines().join('\n')).not.toContain(token);
    const creds = await stack.repository.getGatewayCredentials(tenant, 'life');
    expect(creds).toEqual({ gatewayKind: 'seed', gatewaySessionId: gw, token, status: 'connected' });

    const disc = await api().post('/v1/sessions/life/disconnect').set(auth()).expect(200);
    expect(disc.body).toMatchObject({
      status: 'disconnected',
      label: 'Disconnected',
      color: 'gray',
      connectedAt: null,
    });
    expect(disc.body.error).toBeUndefined();
    expect(stack.sim.state.sessions.has(gw)).toBe(false); // deleted on the gateway
    expect((await stack.repository.getGatewayCredentials(tenant, 'life'))?.token).toBeNull();
    await api().post('/v1/sessions/life/disconnect').set(auth()).expect(409);

    const restarted = await api().post('/v1/sessions/life/restart').set(auth()).expect(202);
    expect(restarted.body).toMatchObject({ status: 'creating', attempt: 2 });
    await until('life', (v) => v.status === 'generating_qr' && v.attempt === 2, 'second attempt QR');
    await api().post('/v1/sessions/life/restart').set(auth()).expect(409);

    await api().delete('/v1/sessions/life').set(auth()).expect(200);
    expect(stack.sim.state.sessions.has(gw)).toBe(false);
    await api().get('/v1/sessions/life').set(auth()).expect(404);
    expect(await whatsappSessionModel(stack.db.conn).findById(`${tenant}:life`).lean()).toBeNull();
    expect(stack.sim.state.createsById.get(gw)).toBe(2);

    const statuses = scheduled(await history('life'), 'recordSessionState').map(
      (w) => (w as { status: string }).status,
    );
    expect(statuses).toEqual([
      'creating',
      'connecting',
      'generating_qr',
      'connected',
      'disconnected',
      'creating',
      'connecting',
      'generating_qr',
      'disconnected',
    ]);
  });

  it('QR rotation: the query follows the gateway’s rotating QR', async () => {
    const rotating = await startSessionStack({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      nativeConnection: stack.temporal.nativeConnection,
      taskQueue: uniqueTaskQueue('rotate'),
      logger: log.logger,
      simulator: { qrRotateMs: 300 },
    });
    const w = await rotating.newWorker();
    await w.runUntil(async () => {
      await request(rotating.app)
        .post('/v1/sessions')
        .set('Authorization', `Bearer ${(await rotating.keys.create('tenant-r')).token}`)
        .send({ sessionId: 'rot' })
        .expect(202);
      const seen = new Set<string>();
      await waitFor(
        () => rotating.query('tenant-r', 'rot'),
        (v) => {
          if (v.qr) seen.add(v.qr);
          return seen.size >= 3;
        },
        20_000,
        'three distinct QR codes',
      );
      await stack.temporal.client.workflow.getHandle('session:tenant-r:rot').executeUpdate('delete');
    });
    await rotating.close();
  });

  it('QR expiry ends the attempt as expired (gateway session deleted); restart starts a new one', async () => {
    await start('exp', { qrExpiryMs: 1_500 });
    const expired = await until('exp', (v) => v.status === 'disconnected', 'expired');
    expect(expired.error).toEqual({ code: 'qr_expired', message: expect.stringContaining('not scanned') });
    expect(stack.sim.state.sessions.has(stack.gwName(tenant, 'exp'))).toBe(false);

    const res = await api().post('/v1/sessions/exp/restart').set(auth()).expect(202);
    expect(res.body.error).toBeUndefined();
    await until('exp', (v) => v.status === 'generating_qr' && v.attempt === 2, 'QR of the new attempt');
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:exp`).executeUpdate('delete');
  });

  it('gateway down at creation: retried with backoff, then failed naming the cause', async () => {
    await stack.sim.refuse();
    try {
      await start('down');
      const failed = await until('down', (v) => v.status === 'disconnected' && !!v.error, 'failed state');
      expect(failed.error?.code).toBe('gateway_unavailable');
      expect(failed.error?.message).toMatch(/after 3 attempts.*ECONNREFUSED/);
      const attempts = (await history('down'))
        .map((e) => e.activityTaskStartedEventAttributes?.attempt)
        .filter((a): a is number => typeof a === 'number');
      expect(Math.max(...attempts)).toBe(3);
    } finally {
      await stack.sim.accept();
    }
    const doc = await waitFor(
      () => whatsappSessionModel(stack.db.conn).findById(`${tenant}:down`).lean(),
      (d) => d?.status === 'disconnected',
      10_000,
      'projection failed',
    );
    expect(doc).toMatchObject({ status: 'disconnected', error: { code: 'gateway_unavailable' } });
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:down`).executeUpdate('delete');
  });

  it('a gateway that fails twice then answers: the create succeeds on the third attempt, once', async () => {
    stack.sim.faults.failNext = 2;
    await start('flaky');
    await until('flaky', (v) => v.status === 'generating_qr', 'QR after retries');
    expect(stack.sim.state.createsById.get(stack.gwName(tenant, 'flaky'))).toBe(1);
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:flaky`).executeUpdate('delete');
  });

  it('disconnect while still connecting: deleted on the gateway, disconnected without error', async () => {
    await start('early');
    await until('early', (v) => v.status === 'generating_qr', 'QR');
    const res = await api().post('/v1/sessions/early/disconnect').set(auth()).expect(200);
    expect(res.body).toMatchObject({ status: 'disconnected', qr: null });
    expect(res.body.error).toBeUndefined();
    expect(stack.sim.state.sessions.has(stack.gwName(tenant, 'early'))).toBe(false);
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:early`).executeUpdate('delete');
  });

  it('a spontaneous logout on the gateway ends the session as disconnected (gateway_logged_out)', async () => {
    await start('drop');
    await until('drop', (v) => v.status === 'generating_qr', 'QR');
    const gw = stack.gwName(tenant, 'drop');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    await until('drop', (v) => v.status === 'connected', 'connected');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/logout`).expect(200);
    const v = await until('drop', (x) => x.status === 'disconnected', 'logged out');
    expect(v.error?.code).toBe('gateway_logged_out');
    expect(stack.sim.state.sessions.has(gw)).toBe(false);
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:drop`).executeUpdate('delete');
  });

  it('webhook and polling both see the connection: one transition, recorded once', async () => {
    await start('both', { connectedPollMs: 200 });
    await until('both', (v) => v.status === 'generating_qr', 'QR');
    await request(stack.simUrl)
      .post(`/simulator/sessions/${stack.gwName(tenant, 'both')}/scan`)
      .expect(200);
    await until('both', (v) => v.status === 'connected', 'connected');
    // Wait until the history shows both: the webhook's signal and a poll that read CONNECTED.
    const events = await waitFor(
      () => history('both'),
      (evs) => {
        const signalled = evs.some(
          (e) =>
            (decode(e.workflowExecutionSignaledEventAttributes?.input) as { status?: string } | undefined)
              ?.status === 'connected',
        );
        const polled = evs.some(
          (e) =>
            (decode(e.activityTaskCompletedEventAttributes?.result) as { status?: string } | undefined)
              ?.status === 'connected',
        );
        return signalled && polled;
      },
      15_000,
      'a connected signal and a connected poll',
    );
    const connectedWrites = scheduled(events, 'recordSessionState').filter(
      (w) => (w as { status: string }).status === 'connected',
    );
    expect(connectedWrites).toHaveLength(1);
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:both`).executeUpdate('delete');
  });

  it('worker stopped and replaced mid-lifecycle: the workflow resumes, no second gateway session', async () => {
    const queue = uniqueTaskQueue('restart');
    const other = await startSessionStack({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      nativeConnection: stack.temporal.nativeConnection,
      taskQueue: queue,
      logger: log.logger,
    });
    const tenantK = 'tenant-k';
    const keyK = (await other.keys.create(tenantK)).token;
    const first = await other.newWorker();
    const firstRun = first.run();
    await request(other.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${keyK}`)
      .send({ sessionId: 'survivor' })
      .expect(202);
    await waitFor(
      () => other.query(tenantK, 'survivor'),
      (v) => v.status === 'generating_qr',
      20_000,
      'QR',
    );
    first.shutdown();
    await firstRun;

    // No worker: the scan happens, the gateway's webhook is accepted and waits in the workflow's history.
    const gw = other.gwName(tenantK, 'survivor');
    await request(other.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    await waitFor(
      async () => other.sim.state.events.filter((e) => e.sessionId === gw).length,
      (n) => n >= 3,
      5_000,
      'webhook sent',
    );

    const second = await other.newWorker();
    await second.runUntil(async () => {
      const v = await waitFor(
        () => other.query(tenantK, 'survivor'),
        (x) => x.status === 'connected',
        30_000,
        'connected after restart',
      );
      expect(v.attempt).toBe(1);
      await stack.temporal.client.workflow.getHandle(`session:${tenantK}:survivor`).executeUpdate('delete');
    });
    expect(other.sim.state.createsById.get(gw)).toBe(1);
    await other.close();
  });

  it('a run started with carried state (what continue-as-new passes on) resumes connected and can disconnect', async () => {
    await start('carry');
    await until('carry', (v) => v.status === 'generating_qr', 'QR');
    const gw = stack.gwName(tenant, 'carry');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    const before = await until('carry', (v) => v.status === 'connected', 'connected');
    const handle = stack.temporal.client.workflow.getHandle(`session:${tenant}:carry`);
    await handle.terminate('replaced by a run with carried state');

    const carried: SessionState = {
      phase: 'connected',
      status: 'connected',
      qr: null,
      connectedAt: before.connectedAt,
      lastActivityAt: before.lastActivityAt,
      error: null,
      attempt: 1,
      version: Date.now(),
      gatewayCreated: true,
      attemptStartedAt: Date.now() - 60_000,
      lastEventAt: null,
      pollDelayMs: FAST_TIMING.pollInitialMs,
      rawStatus: 'CONNECTED',
    };
    await stack.temporal.client.workflow.start('sessionWorkflow', {
      workflowId: `session:${tenant}:carry`,
      taskQueue: stack.taskQueue,
      args: [
        {
          tenantId: tenant,
          sessionId: 'carry',
          name: null,
          gatewayKind: 'seed',
          timing: { ...FAST_TIMING, connectedPollMs: 200 },
          carried,
        },
      ],
    });
    const resumed = await until('carry', (v) => v.status === 'connected', 'resumed');
    expect(resumed.connectedAt).toBe(before.connectedAt);
    expect(stack.sim.state.createsById.get(gw)).toBe(1); // no new gateway session
    await api().post('/v1/sessions/carry/disconnect').set(auth()).expect(200);
    expect(stack.sim.state.sessions.has(gw)).toBe(false);
    await handle.executeUpdate('delete');
  });

  it('duplicate and out-of-order gateway events change nothing', async () => {
    // A gateway that stays CREATING and is polled rarely: only our events move the session.
    stack.sim.state.opts.qrDelayMs = 600_000;
    try {
      await start('events', { pollInitialMs: 60_000, pollMaxMs: 60_000 });
      await until('events', (v) => v.status === 'connecting', 'created on the gateway');
    } finally {
      stack.sim.state.opts.qrDelayMs = 100;
    }
    const gw = stack.gwName(tenant, 'events');
    const post = (body: object) =>
      request(stack.app)
        .post('/webhooks/gateway')
        .set('X-Webhook-Secret', WEBHOOK_SECRET)
        .send(body)
        .expect(200);
    const t = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const settled = async () => {
      // Every signal so far has been handled by a completed workflow task.
      const evs = await waitFor(
        () => history('events'),
        (e) => {
          const lastSignal = e.map((x) => !!x.workflowExecutionSignaledEventAttributes).lastIndexOf(true);
          return e.slice(lastSignal + 1).some((x) => !!x.workflowTaskCompletedEventAttributes);
        },
        10_000,
        'signals handled',
      );
      return scheduled(evs, 'recordSessionState').length;
    };

    const qr1 = {
      event: 'session.qr',
      sessionId: gw,
      data: { status: 'GENERATING_QR', qr: 'QR-1' },
      timestamp: t(1),
    };
    await post(qr1);
    await until('events', (v) => v.qr === 'QR-1', 'QR-1');
    const afterFirst = await settled();
    await post(qr1); // duplicate
    expect(await settled()).toBe(afterFirst);

    await post({ event: 'session.update', sessionId: gw, data: { status: 'CONNECTED' }, timestamp: t(3) });
    await until('events', (v) => v.status === 'connected', 'connected');
    const afterConnected = await settled();
    // Late, older QR (t=2 < t=3) and a duplicate CONNECTED: ignored.
    await post({
      event: 'session.qr',
      sessionId: gw,
      data: { status: 'GENERATING_QR', qr: 'QR-2' },
      timestamp: t(2),
    });
    await post({ event: 'session.update', sessionId: gw, data: { status: 'CONNECTED' }, timestamp: t(3) });
    expect(await settled()).toBe(afterConnected);
    expect(await view('events')).toMatchObject({ status: 'connected', qr: null });
    // An old logout (before the newest applied event) is ignored too.
    await post({
      event: 'session.logged_out',
      sessionId: gw,
      data: { status: 'DISCONNECTED' },
      timestamp: t(2.5),
    });
    expect(await settled()).toBe(afterConnected);
    expect((await view('events')).status).toBe('connected');
    await stack.temporal.client.workflow.getHandle(`session:${tenant}:events`).executeUpdate('delete');
  });
});
