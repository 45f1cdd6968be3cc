import request from 'supertest';
import { temporal as proto } from '@temporalio/proto';
import { captureLogger } from '../helpers/logger';
import { historyText } from '../helpers/onboarding';
import { waitFor } from '../helpers/sessions';
import { openHistoryPayloads } from '../helpers/temporal';
import { useSessions } from '../fixtures/sessions';

/**
 * The session's QR pairing string never reaches Temporal in clear (issue 15): whoever reads a
 * history could otherwise pair their own phone to the tenant's session. The payload codec seals it.
 */
describe('session QR: sealed in Temporal history', () => {
  const log = captureLogger();
  const tenant = 'tenant-qr';

  const stack = useSessions({
    queue: 'qr',
    logger: log.logger,
  });

  it('the QR the gateway issued is nowhere in the raw history, and is there once opened with the keys', async () => {
    const key = (await stack.keys.create(tenant)).token;
    const auth = { Authorization: `Bearer ${key}` };
    await request(stack.app).post('/v1/sessions').set(auth).send({ sessionId: 'pair' }).expect(202);
    const execution = { workflowId: `session:${tenant}:pair` };
    const simulatorQrs = () =>
      [...stack.sim.state.sessions.values()].map((s) => s.qr).filter((q): q is string => !!q);
    // With the keys, the history holds the QR the gateway issued (once the workflow has fetched it)…
    const opened = () =>
      stack.temporal.client.workflow
        .getHandle(execution.workflowId)
        .fetchHistory()
        .then(openHistoryPayloads)
        .then(historyText);
    await waitFor(
      opened,
      (text) => simulatorQrs().some((qr) => text.includes(qr)),
      20_000,
      'the QR in history',
    );
    // …and without them, none of it is there.
    const page = await stack.temporal.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution,
    });
    const raw = Buffer.from(
      proto.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse.encode(page).finish(),
    );
    expect(simulatorQrs().length).toBeGreaterThan(0);
    for (const qr of simulatorQrs()) expect(raw.includes(qr)).toBe(false);

    await request(stack.app)
      .delete('/v1/sessions/pair')
      .set(auth)
      .expect((r) => expect(r.status).toBeLessThan(300));
  });
});
