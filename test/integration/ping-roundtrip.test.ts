import request from 'supertest';
import { createActivities } from '../../activities';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { diagnosticPingModel } from '../../src/db/models/diagnostic-ping.model';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { createTestWorker, uniqueTaskQueue } from '../helpers/temporal';
import { useInfra } from '../fixtures/infra';

describe('first slice: API → Temporal → worker → MongoDB and back', () => {
  const infra = useInfra({ queue: 'ping', tenants: ['tenant-a', 'tenant-b'] });
  let keyA: string;
  let keyB: string;
  beforeAll(() => {
    keyA = infra.key('tenant-a');
    keyB = infra.key('tenant-b');
  });

  it('round-trips through the real server, writes once to MongoDB, and keeps tenants apart', async () => {
    const taskQueue = uniqueTaskQueue('ping');
    const app = buildTestApp({
      conn: infra.db.conn,
      temporal: infra.temporal.client,
      taskQueue,
      logger: captureLogger().logger,
    });
    const worker = await createTestWorker(
      infra.temporal.nativeConnection,
      taskQueue,
      createActivities({ pings: createDiagnosticPingRepository(infra.db.conn) }),
    );

    const res = await worker.runUntil(
      request(app)
        .post('/v1/diagnostics/ping')
        .set('Authorization', `Bearer ${keyA}`)
        .then((r) => r),
    );
    expect(res.status).toBe(200);
    expect(res.body.workflowId).toBe(`ping:tenant-a:${res.body.pingId}`);
    expect(res.body.writes).toBe(1);

    const stored = await diagnosticPingModel(infra.db.conn).findById(`tenant-a:${res.body.pingId}`).lean();
    expect(stored).toMatchObject({ tenantId: 'tenant-a', workflowId: res.body.workflowId, writes: 1 });

    const history = await infra.temporal.client.workflow.getHandle(res.body.workflowId).fetchHistory();
    expect(history.events?.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);

    await request(app)
      .get(`/v1/diagnostics/pings/${res.body.pingId}`)
      .set('Authorization', `Bearer ${keyA}`)
      .expect(200);
    // Another tenant's key cannot see it.
    await request(app)
      .get(`/v1/diagnostics/pings/${res.body.pingId}`)
      .set('Authorization', `Bearer ${keyB}`)
      .expect(404);
  });

  it('answers 503 worker_unavailable (not a hang) when no worker polls the task queue', async () => {
    const app = buildTestApp({
      conn: infra.db.conn,
      temporal: infra.temporal.client,
      taskQueue: uniqueTaskQueue('nobody'),
      logger: captureLogger().logger,
    });
    const res = await request(app)
      .post('/v1/diagnostics/ping?timeoutMs=300')
      .set('Authorization', `Bearer ${keyA}`)
      .expect(503);
    expect(res.body.error.code).toBe('worker_unavailable');
    await infra.temporal.client.workflow
      .getHandle(res.body.error.details.workflowId)
      .terminate('test cleanup');
  });
});
