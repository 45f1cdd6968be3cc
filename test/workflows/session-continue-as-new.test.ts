import request from 'supertest';
import { captureLogger } from '../helpers/logger';
import { waitFor } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

/**
 * A long-lived session must continue-as-new when Temporal suggests it, carrying its state. This file
 * runs its own dev server whose suggestion threshold is 40 history events (the default is 4,096), so
 * a connected session's periodic gateway checks reach it within seconds.
 */
describe('session workflow continue-as-new (own Temporal dev server, low history threshold)', () => {
  const log = captureLogger();
  const stack = useSessions({
    queue: 'can',
    logger: log.logger,
    dedicatedTemporal: ['limit.historyCount.suggestContinueAsNew=40'],
    timing: { connectedPollMs: 200 },
  });

  it('continues as new while connected, keeps its state, and still obeys commands after', async () => {
    const key = (await stack.keys.create('tenant-can')).token;
    const auth = { Authorization: `Bearer ${key}` };
    await request(stack.app).post('/v1/sessions').set(auth).send({ sessionId: 'long' }).expect(202);
    await waitFor(
      () => request(stack.app).get('/v1/sessions/long').set(auth),
      (r) => typeof r.body.qr === 'string',
      20_000,
      'a QR',
    );
    await request(stack.simUrl).post('/simulator/sessions/long/scan').expect(200);

    const handle = stack.temporal.client.workflow.getHandle('session:tenant-can:long');
    const firstRunId = (await handle.describe()).runId;
    // Periodic gateway checks grow the history past the threshold: the workflow must start a new run.
    const next = await waitFor(
      () => handle.describe(),
      (d) => d.runId !== firstRunId && d.status.name === 'RUNNING',
      45_000,
      'a continued-as-new run',
    );
    const firstRun = await stack.temporal.client.workflow.getHandle(handle.workflowId, firstRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');

    // The new run carries the session: still connected, same attempt, one gateway session only.
    const view = await waitFor(
      () => request(stack.app).get('/v1/sessions/long').set(auth),
      (r) => r.status === 200 && r.body.status === 'connected',
      20_000,
      'connected in the new run',
    );
    expect(view.body).toMatchObject({ status: 'connected', attempt: 1 });
    expect(next.runId).not.toBe(firstRunId);
    const stats = (await request(stack.simUrl).get('/simulator/stats').expect(200)).body;
    expect(stats.creates).toBe(1);

    // Commands still reach the current run.
    await request(stack.app).post('/v1/sessions/long/disconnect').set(auth).expect(200);
    await waitFor(
      () => request(stack.app).get('/v1/sessions/long').set(auth),
      (r) => r.body.status === 'disconnected',
      20_000,
      'disconnected',
    );
  });
});
